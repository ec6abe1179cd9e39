// Package locale holds the interface texts in zh-CN (the default) and English
// and picks the language of a request. Catalogues are YAML files embedded in
// the binary; a test keeps the two languages' keys identical.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Languages the product speaks; the first is the default.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Supported lists the languages in switcher order.
var Supported = []string{Chinese, English}

//go:embed catalog/*.yaml
var files embed.FS

var catalogs = map[string]map[string]string{}

// init merges catalog/<lang>.yaml with any catalog/<lang>.<part>.yaml, so
// each area of the product (admin pages, say) can keep its own file. A key
// defined twice is a build error, caught by the tests.
func init() {
	for _, lang := range Supported {
		names, _ := fs.Glob(files, "catalog/"+lang+".*yaml")
		m := map[string]string{}
		for _, name := range names {
			raw, err := files.ReadFile(name)
			if err != nil {
				panic(err) // embedded at build time
			}
			part := map[string]string{}
			if err := yaml.Unmarshal(raw, &part); err != nil {
				panic(fmt.Sprintf("locale %s: %v", name, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("locale %s: key %s defined twice", name, k))
				}
				m[k] = v
			}
		}
		catalogs[lang] = m
	}
}

// Printer translates for one language.
type Printer struct{ Lang string }

// New returns a printer for lang, falling back to Chinese.
func New(lang string) *Printer {
	if _, ok := catalogs[lang]; !ok {
		lang = Chinese
	}
	return &Printer{Lang: lang}
}

// T returns the text for key with fmt-style args. A missing key shows itself,
// so a gap is visible on the page and caught by the catalogue test.
func (p *Printer) T(key string, args ...any) string {
	s, ok := catalogs[p.Lang][key]
	if !ok {
		s, ok = catalogs[Chinese][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists.
func (p *Printer) Has(key string) bool { _, ok := catalogs[p.Lang][key]; return ok }

// Pick returns zh for Chinese and en otherwise: for data that carries both
// names (districts, agencies, instrument types).
func (p *Printer) Pick(zh, en string) string {
	if p.Lang == English && en != "" {
		return en
	}
	return zh
}

// IsEnglish is a convenience for templates.
func (p *Printer) IsEnglish() bool { return p.Lang == English }

// HTMLLang is the value for <html lang>.
func (p *Printer) HTMLLang() string { return p.Lang }

// supported are the tags Accept-Language is matched against. Traditional
// Chinese is listed so that a zh-TW or zh-HK reader, whom the matcher rates
// only a low match for Simplified, gets the Chinese pages rather than English
// offered at a lower weight; both Chinese entries print zh-CN.
var (
	supported = []language.Tag{language.SimplifiedChinese, language.TraditionalChinese, language.English}
	served    = []string{Chinese, Chinese, English}
	matcher   = language.NewMatcher(supported)
)

// Match picks the language from an explicit choice (query or cookie), then
// from an Accept-Language header by its q-values (q=0 refuses a language);
// Chinese when nothing matches or the header is malformed. The header is
// parsed by golang.org/x/text/language, which refuses over-long lists before
// doing any work.
func Match(choice, acceptLanguage string) string {
	if c := normalize(choice); c != "" {
		return c
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Chinese
	}
	if _, i, confidence := matcher.Match(tags...); confidence != language.No {
		return served[i]
	}
	return Chinese
}

func normalize(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case t == "":
		return ""
	case t == "zh" || strings.HasPrefix(t, "zh-"):
		return Chinese
	case t == "en" || strings.HasPrefix(t, "en-"):
		return English
	}
	return ""
}

// Keys lists a language's keys, for tests.
func Keys(lang string) []string {
	var out []string
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

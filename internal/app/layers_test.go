package app_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// ruleAndServicePackages hold the business rules and the use cases. They must
// work without an HTTP request, so neither Gin nor net/http may be among their
// dependencies: a rule that needs a request has been written in the wrong
// layer.
var ruleAndServicePackages = []string{
	"model", "fail", "form", "cases", "units", "instruments", "reports", "routing", "workdays", "uscc",
	"accounts", "intake", "notices", "throttle", "photos", "qr", "audit", "reference", "scan", "verification", "reminders",
}

// domainPackages are the rules themselves, pure functions over values: they
// must not reach the database either, so that a rule is tested without one and
// the services, the demo loader and the bench seeder can all call it.
// internal/cases and internal/units are not among them since they also hold
// their services (cases.Service, units.Service: each package owns its
// entity's rules and use cases, as intake does); their rule files —
// transitions.go, clocks.go, application.go — still take and return plain
// values, and the rules other domain packages need (a phone number's shape)
// live in domain packages.
var domainPackages = []string{
	"model", "fail", "form", "instruments", "reports", "routing", "workdays", "uscc", "throttle", "reference", "sheet",
}

// allowedImports are the only edges through which a rule or service package
// may reach a forbidden package. internal/outbox delivers webhooks and SMS
// gateway calls as an HTTP *client*; accounts, intake, notices and reminders
// enqueue messages through it (accounts: one-time codes, intake: receipts,
// notices: everything, reminders: expiry digests) and so depend on net/http,
// though none of them serves or reads a request. Any other path to net/http, and every path to Gin, fails the test.
var allowedImports = map[[2]string]bool{
	{"honestmeasure/internal/outbox", "net/http"}: true,
}

const (
	module = "honestmeasure/"
	gin    = "github.com/gin-gonic/gin"
)

// importGraph is the module's import graph with every dependency, standard
// library and third-party packages included, tests excluded.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the layering test needs the go command: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			graph[fields[0]] = fields[1:]
		}
	}
	return graph
}

// pathTo returns an import chain from `from` to `to` that does not use an
// allowed edge, or nil when there is none.
func pathTo(graph map[string][]string, from, to string, allowed map[[2]string]bool) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var chain []string
			for ; p != ""; p = prev[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range graph[p] {
			if _, seen := prev[next]; seen || allowed[[2]string{p, next}] {
				continue
			}
			prev[next] = p
			queue = append(queue, next)
		}
	}
	return nil
}

func TestLayers(t *testing.T) {
	graph := importGraph(t)
	for _, name := range ruleAndServicePackages {
		pkg := module + "internal/" + name
		if _, ok := graph[pkg]; !ok {
			t.Errorf("%s is not in the module any more: update the layer list", pkg)
			continue
		}
		for _, forbidden := range []string{gin, "net/http"} {
			if chain := pathTo(graph, pkg, forbidden, allowedImports); chain != nil {
				t.Errorf("rule/service package %s depends on %s: %s", name, forbidden, strings.Join(chain, " → "))
			}
		}
	}
	for _, name := range domainPackages {
		pkg := module + "internal/" + name
		if _, ok := graph[pkg]; !ok {
			t.Errorf("%s is not in the module any more: update the layer list", pkg)
			continue
		}
		for _, forbidden := range []string{module + "internal/storage", module + "internal/database", "gorm.io/gorm", module + "internal/outbox"} {
			if chain := pathTo(graph, pkg, forbidden, nil); chain != nil {
				t.Errorf("domain package %s depends on %s: %s", name, forbidden, strings.Join(chain, " → "))
			}
		}
	}
	// The JSON API and the pages are two edges over the same services; one
	// calling the other would make a page change an API change.
	for _, edge := range [][2]string{{"api", "ui"}, {"ui", "api"}} {
		from, to := module+"internal/"+edge[0], module+"internal/"+edge[1]
		if chain := pathTo(graph, from, to, nil); chain != nil {
			t.Errorf("%s depends on %s: %s", edge[0], edge[1], strings.Join(chain, " → "))
		}
	}
}

// TestLayersCheckFindsAChain keeps the check itself honest: a graph with a
// forbidden path is reported, through an allowed edge it is not.
func TestLayersCheckFindsAChain(t *testing.T) {
	graph := map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"net/http"}}
	if got := pathTo(graph, "a", "net/http", nil); !slices.Equal(got, []string{"a", "b", "c", "net/http"}) {
		t.Errorf("path a → net/http = %v", got)
	}
	graph = map[string][]string{"a": {"outbox"}, "outbox": {"net/http"}}
	if got := pathTo(graph, "a", "net/http", map[[2]string]bool{{"outbox", "net/http"}: true}); got != nil {
		t.Errorf("path through an allowed edge reported: %v", got)
	}
	if got := pathTo(graph, "a", "net/http", nil); got == nil {
		t.Error("path through outbox not found when the edge is not allowed")
	}
}

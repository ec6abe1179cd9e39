package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"honestmeasure/internal/draw"
)

// writeDrawFile draws from a small pool and writes the published file.
func writeDrawFile(t *testing.T) (path string, file []byte) {
	t.Helper()
	secret, commitment := draw.NewSecret()
	a := draw.Announcement{Version: 1, ID: "CZ-2026-001", Agency: "320402", Plan: "2026 计量专项", Item: "JL-01",
		AnnouncedAt: "2026-12-01T09:00:00+08:00", InspectorsPerTarget: 2, Commitment: commitment,
		RandomnessSource: "中国福利彩票双色球 2026-12-10 开奖号码",
		Inspectors:       []draw.Inspector{{Label: "officer:1"}, {Label: "officer:2", Excluded: []string{"unit:3:x"}}, {Label: "officer:3"}},
		Cells:            []draw.Cell{{Stratum: "320402", Class: "B", Count: 2}}}
	for i := 1; i <= 6; i++ {
		a.Targets = append(a.Targets, draw.Target{Label: fmt.Sprintf("unit:%d:x", i), Stratum: "320402", Class: "B", Weight: int64(100 * i)})
	}
	r := draw.Reveal{Secret: secret, RandomValue: "03 07 12 19 25 31 + 09"}
	res, err := draw.Run(&a, r)
	if err != nil {
		t.Fatal(err)
	}
	file, err = (&draw.File{Announcement: a, Reveal: r, Result: *res}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "draw.json")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, file
}

// runMain runs the real main() in a child process with a configuration
// that would stop every other command (unknown driver, production without
// secrets): draw verify must not read it.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HM_TEST_RUN_MAIN=1", "HM_TEST_ARGS="+strings.Join(args, " "),
		"HM_DB_DRIVER=postgres", "HM_MODE=production", "HM_SECRET=", "HM_AUDIT_KEY=", "HM_DATA_DIR="+filepath.Join(t.TempDir(), "none"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func TestDrawVerifyCommand(t *testing.T) {
	path, file := writeDrawFile(t)

	stdout, stderr, code := runMain(t, "draw", "verify", path)
	if code != 0 || stderr != "" {
		t.Fatalf("good file: exit %d, stderr %q", code, stderr)
	}
	want := "draw OK: CZ-2026-001 by 320402, 2 selected and 2 reserve of 6 targets, 3 inspectors; pool "
	if !strings.HasPrefix(stdout, want) || strings.Count(stdout, "\n") != 1 ||
		!strings.HasSuffix(stdout, "previous none (the agency's first draw); file hash "+draw.Hash(file)+"\n") {
		t.Fatalf("summary line %q", stdout)
	}

	// The file says another unit was drawn first.
	f, err := draw.Verify(file)
	if err != nil {
		t.Fatal(err)
	}
	first := f.Result.Selected[0].Label
	other := "unit:1:x"
	if first == other {
		other = "unit:6:x"
	}
	i := bytes.Index(file, []byte(`"result":`))
	tampered := append(bytes.Clone(file[:i]), bytes.Replace(file[i:], []byte(`"label": "`+first+`"`), []byte(`"label": "`+other+`"`), 1)...)
	bad := filepath.Join(t.TempDir(), "tampered.json")
	if err := os.WriteFile(bad, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runMain(t, "draw", "verify", bad)
	wantErr := fmt.Sprintf("honestmeasure: draw file %s does not verify: the file does not reproduce: selected entry 1: the file has position 1 %s, the draw gives position 1 %s\n", bad, other, first)
	if code != 1 || stdout != "" || stderr != wantErr {
		t.Fatalf("tampered file: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, wantErr)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"draw", "verify"}, "usage: honestmeasure draw verify FILE"},
		{[]string{"draw", "check", path}, "usage: honestmeasure draw verify FILE"},
		{[]string{"draw", "verify", filepath.Join(t.TempDir(), "missing.json")}, "cannot read the draw file"},
	} {
		_, stderr, code := runMain(t, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %q", tt.args, code, stderr, tt.want)
		}
	}
}

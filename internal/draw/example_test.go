package draw

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The worked example of docs/draw.md §7. Its file in testdata is the
// test vector for other implementations, and pins this one: a change to
// the algorithm that would stop published files from verifying fails here.
// HM_UPDATE_TESTDATA=1 rewrites it (only with a new Version).
func exampleAnnouncement() *Announcement {
	return &Announcement{Version: 1, ID: "CZ-2026-DEMO-1", Agency: "常州市天宁区市场监督管理局", Plan: "2026 年度计量专项检查",
		Item: "JL-01 强制检定计量器具", AnnouncedAt: "2026-12-01T09:00:00+08:00",
		Targets: []Target{
			{Label: "unit:1:91320402MA1XYW0001", Stratum: "320402", Class: "A", Weight: 500},
			{Label: "unit:2:91320402MA1XYW0002", Stratum: "320402", Class: "B", Weight: 1000},
			{Label: "unit:3:91320402MA1XYW0003", Stratum: "320402", Class: "B", Weight: 1000},
			{Label: "unit:4:91320402MA1XYW0004", Stratum: "320402", Class: "B", Weight: 1000},
			{Label: "unit:5:91320402MA1XYW0005", Stratum: "320402", Class: "D", Weight: 4000},
			{Label: "unit:6:91320411MA1XYW0006", Stratum: "320411", Class: "B", Weight: 1000},
			{Label: "unit:7:91320411MA1XYW0007", Stratum: "320411", Class: "C", Weight: 2000},
			{Label: "unit:8:91320411MA1XYW0008", Stratum: "320411", Class: "C", Weight: 2000},
			{Label: "unit:9:91320411MA1XYW0009", Stratum: "320411", Class: "C", Weight: 3000},
		},
		Excluded: []Excluded{{Label: "unit:10:91320411MA1XYW0010", Reason: "已注销 (2026-11-20)"}},
		Inspectors: []Inspector{
			{Label: "officer:11", Excluded: []string{"unit:5:91320402MA1XYW0005"}},
			{Label: "officer:12", Excluded: []string{}},
			{Label: "officer:13", Excluded: []string{"unit:7:91320411MA1XYW0007", "unit:8:91320411MA1XYW0008"}},
			{Label: "officer:14", Excluded: []string{}},
		},
		Cells: []Cell{
			{Stratum: "320402", Class: "A", Count: 0},
			{Stratum: "320402", Class: "B", Count: 1},
			{Stratum: "320402", Class: "D", Count: 1},
			{Stratum: "320411", Class: "B", Count: 0},
			{Stratum: "320411", Class: "C", Count: 1},
		},
		InspectorsPerTarget: 2,
		Commitment:          Commit(exampleSecret),
		RandomnessSource:    "中国福利彩票双色球 2026-12-10 开奖号码 (红球升序, 空格分隔, 蓝球前加 +)",
	}
}

const exampleSecret = "3f9a1c0e5b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f2a4c6e8b0d1f"

func TestExampleFile(t *testing.T) {
	a := exampleAnnouncement()
	r := Reveal{Secret: exampleSecret, RandomValue: "03 07 12 19 25 31 + 09"}
	file := mustFile(t, a, r)
	path := filepath.Join("testdata", "example.json")
	if os.Getenv("HM_UPDATE_TESTDATA") == "1" {
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(golden, file) {
		t.Fatalf("the draw of the example no longer gives %s: published files would stop verifying", path)
	}
	if _, err := Verify(golden); err != nil {
		t.Fatal(err)
	}
	// The intermediate values of docs/draw.md §7.
	sd := seed(a.poolHash(), r.Secret, r.RandomValue)
	s := newStream(sd, "cell", "320402", "B")
	u0, u1 := s.uint64(), s.uint64()
	if a.PoolHash() != "74881c085e741ef9f1525089fb3a091d6f28bfbd641fc2387eff0b4b90581a44" ||
		hex.EncodeToString(sd) != "e91a230ef9cf07bd2a193034a73d438b1e841ccadc75aee51809a06bb1ac5226" ||
		u0 != 16993040879172752316 || u1 != 10631739112091554581 ||
		Hash(golden) != "79f2a9ad8bbac88d2930344727cb8be57c07a2083339a850b7856691c8e8de64" {
		t.Errorf("docs/draw.md §7 is out of date: pool hash %s, seed %x, u0 %d, u1 %d, file hash %s", a.PoolHash(), sd, u0, u1, Hash(golden))
	}
}

// docs/draw-verify.py, written from docs/draw.md alone, reproduces the
// example and a larger draw with exclusions, three inspectors per target and
// text that needs escaping, byte for byte; and refuses a tampered file.
func TestIndependentImplementation(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	a := testPool(rand.New(rand.NewPCG(21, 22)), poolSpec{targets: 3000, strata: 5, inspectors: 9, perCell: 6, recuse: 0.2})
	a.InspectorsPerTarget = 3
	a.Inspectors[0].Excluded = []string{}
	a.Excluded[0].Reason = `含 "引号" 与 \ 反斜杠 <&>`
	big := filepath.Join(t.TempDir(), "big.json")
	file := mustFile(t, a, testReveal(`a <x> & "q" 中文`))
	if err := os.WriteFile(big, file, 0o600); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	if err := os.WriteFile(tampered, bytes.Replace(file, []byte(`"weight": 1`), []byte(`"weight": 2`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, want string
		ok         bool
	}{
		{filepath.Join("testdata", "example.json"), "OK file hash 79f2a9ad8bbac88d2930344727cb8be57c07a2083339a850b7856691c8e8de64", true},
		{big, "OK file hash " + Hash(file), true},
		{tampered, "the result differs from the draw", false},
	} {
		out, err := exec.Command(python, filepath.Join("..", "..", "docs", "draw-verify.py"), tt.path).CombinedOutput()
		if (err == nil) != tt.ok || !strings.Contains(string(out), tt.want) {
			t.Errorf("%s: %v\n%s", tt.path, err, out)
		}
	}
}

package photos

import "testing"

// TestScratchBuffersAreZeroedAndReused: a buffer handed back is reused for
// the next photo of its size class, and comes back zeroed, as the decoder
// and the resizer expect fresh memory to be.
func TestScratchBuffersAreZeroedAndReused(t *testing.T) {
	var s scratch
	b := s.bytes(3000)
	for i := range b {
		b[i] = 0xff
	}
	s.release()
	var again scratch
	c := again.bytes(2500)
	defer again.release()
	if len(c) != 2500 || cap(c) < 2500 {
		t.Fatalf("len %d cap %d", len(c), cap(c))
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("byte %d of a reused buffer is %#x, want 0", i, v)
		}
	}
	if (*scratch)(nil).bytes(10) == nil {
		t.Fatal("a nil scratch must still allocate")
	}
}

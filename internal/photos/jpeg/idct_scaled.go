package jpeg

// Scaled inverse DCT, as in libjpeg's jidctint.c (but written from the
// definition, not copied): an 8x8 block of coefficients becomes an m x m
// block of pixels by keeping only its lowest m x m frequencies and
// evaluating the cosine series at the centres of m equal sub-intervals
// instead of 8. Dropping the high frequencies is the low-pass filter the
// reduction needs, and skipping them is where the time is saved. It is
// confined to the block, though: a strong pattern near the pixel pitch
// (1-pixel stripes) also has low frequencies within a block, because of
// where the block cuts it, and those stay as a faint ripple that a filter
// across block edges would cancel.
//
// For one dimension, with F the dequantized coefficients:
//
//	x[n] = Σ_{u<m} c_u/2 · F[u] · cos((2n+1)uπ / 2m),  c_0 = 1/√2, c_u = 1
//
// which for m = 8 is the JPEG inverse DCT and for any m keeps the block's
// mean: a DC-only block gives F[0]/8 everywhere, as idct does.

//go:generate go run gen_idct.go

// The generated functions compute, in fixed point with 13 fractional bits
// for the cosines, both passes with the symmetry x[m-1-n] = even(n) -
// odd(n) where x[n] = even(n) + odd(n) (the sums over even and odd u),
// which halves the multiplications, and skip columns and rows whose AC
// coefficients are all zero.

// idctScaled transforms the dequantized block b (natural order) to m x m
// pixels, level shifted and clamped, at the start of dst. 1 <= m <= 7.
func idctScaled(b *block, m int, dst []byte, stride int) {
	if m == 1 {
		// Only the DC coefficient is kept: the block's mean.
		dst[0] = clampInt((int(b[0])+4)>>3 + 128)
		return
	}
	idctScaledFuncs[m](b, dst, stride)
}

// clampInt returns c clipped to [0, 255].
func clampInt(c int) uint8 {
	if uint(c) > 255 {
		if c < 0 {
			return 0
		}
		return 255
	}
	return uint8(c)
}

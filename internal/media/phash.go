package media

import "image"

// DHash is a perceptual hash of a picture (a difference hash): the picture
// is reduced to 9×8 grey cells and each bit says whether a cell is
// brighter than its right neighbour. A re-compressed or rescaled copy of
// a picture has a hash a few bits away at most; another picture's differs
// by about half the bits. Never 0 (0 means "no hash").
func DHash(img image.Image) uint64 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return 1
	}
	var cells [8][9]float64
	for cy := 0; cy < 8; cy++ {
		y0, y1 := b.Min.Y+cy*h/8, b.Min.Y+(cy+1)*h/8
		if y1 <= y0 {
			y1 = y0 + 1
		}
		for cx := 0; cx < 9; cx++ {
			x0, x1 := b.Min.X+cx*w/9, b.Min.X+(cx+1)*w/9
			if x1 <= x0 {
				x1 = x0 + 1
			}
			var sum float64
			var n int
			// At most 16×16 samples a cell: enough for an average.
			sy, sx := max((y1-y0)/16, 1), max((x1-x0)/16, 1)
			for y := y0; y < y1 && y < b.Max.Y; y += sy {
				for x := x0; x < x1 && x < b.Max.X; x += sx {
					r, g, bl, _ := img.At(x, y).RGBA()
					sum += 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
					n++
				}
			}
			if n > 0 {
				cells[cy][cx] = sum / float64(n)
			}
		}
	}
	var hash uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			hash <<= 1
			if cells[y][x] > cells[y][x+1] {
				hash |= 1
			}
		}
	}
	if hash == 0 {
		return 1
	}
	return hash
}

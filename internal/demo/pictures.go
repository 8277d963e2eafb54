package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Picture kinds the generator draws.
const (
	Sunset    = "sunset"
	Mountains = "mountains"
	City      = "city"
	Food      = "food"
	Garden    = "garden"
	Beach     = "beach"
	Cake      = "cake"
)

// pictureKinds are every kind Picture draws.
var pictureKinds = []string{Sunset, Mountains, City, Food, Garden, Beach, Cake}

// pictureSize is the generated photos' size.
const pictureW, pictureH = 640, 480

// Picture draws a small photo-like scene of the given kind as a JPEG (real
// bytes, so that thumbnails and the gallery have something to show). rng
// varies colours and shapes; the same rng state gives the same picture.
func Picture(kind string, rng *rand.Rand) []byte {
	img := image.NewRGBA(image.Rect(0, 0, pictureW, pictureH))
	switch kind {
	case Sunset:
		drawSunset(img, rng)
	case Mountains:
		drawMountains(img, rng)
	case City:
		drawCity(img, rng)
	case Food:
		drawFood(img, rng)
	case Beach:
		drawBeach(img, rng)
	case Cake:
		drawCake(img, rng)
	default:
		drawGarden(img, rng)
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 82})
	return buf.Bytes()
}

func lerp(a, b uint8, t float64) uint8 {
	return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t))
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	return color.RGBA{lerp(a.R, b.R, t), lerp(a.G, b.G, t), lerp(a.B, b.B, t), 255}
}

// gradient fills rows [y0, y1) from top to bottom colour.
func gradient(img *image.RGBA, y0, y1 int, top, bottom color.RGBA) {
	for y := y0; y < y1; y++ {
		c := mix(top, bottom, float64(y-y0)/float64(max(1, y1-y0-1)))
		for x := 0; x < pictureW; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func disc(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= r*r && image.Pt(x, y).In(img.Rect) {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func rect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	for y := max(y0, 0); y < min(y1, pictureH); y++ {
		for x := max(x0, 0); x < min(x1, pictureW); x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func drawSunset(img *image.RGBA, rng *rand.Rand) {
	horizon := 300 + rng.IntN(60)
	gradient(img, 0, horizon, color.RGBA{40, 30, 90, 255}, color.RGBA{250, 140 + uint8(rng.IntN(40)), 60, 255})
	disc(img, 180+float64(rng.IntN(280)), float64(horizon)-20, 55, color.RGBA{255, 210, 120, 255})
	gradient(img, horizon, pictureH, color.RGBA{230, 120, 70, 255}, color.RGBA{30, 40, 80, 255})
	// Glints on the water.
	for i := 0; i < 40; i++ {
		y := horizon + 10 + rng.IntN(pictureH-horizon-10)
		x := 150 + rng.IntN(340)
		rect(img, x, y, x+20+rng.IntN(40), y+2, color.RGBA{255, 200, 140, 255})
	}
}

func drawMountains(img *image.RGBA, rng *rand.Rand) {
	gradient(img, 0, pictureH, color.RGBA{120, 170, 230, 255}, color.RGBA{220, 235, 250, 255})
	layers := []color.RGBA{{110, 120, 150, 255}, {70, 95, 110, 255}, {40, 70, 60, 255}}
	for li, c := range layers {
		base := 260 + li*70
		peaks := 3 + rng.IntN(3)
		phase := rng.Float64() * math.Pi
		for x := 0; x < pictureW; x++ {
			h := math.Abs(math.Sin(float64(x)/pictureW*math.Pi*float64(peaks)+phase)) * float64(90-li*15)
			top := base - int(h)
			for y := top; y < pictureH; y++ {
				shade := c
				if li == 0 && y < top+12 {
					shade = color.RGBA{245, 245, 250, 255} // snow
				}
				img.SetRGBA(x, y, shade)
			}
		}
	}
}

func drawCity(img *image.RGBA, rng *rand.Rand) {
	gradient(img, 0, pictureH, color.RGBA{15, 20, 50, 255}, color.RGBA{80, 60, 110, 255})
	disc(img, 520, 80, 30, color.RGBA{240, 240, 210, 255})
	for x := 0; x < pictureW; {
		w := 40 + rng.IntN(50)
		top := 150 + rng.IntN(200)
		body := color.RGBA{uint8(25 + rng.IntN(30)), uint8(25 + rng.IntN(30)), uint8(45 + rng.IntN(40)), 255}
		rect(img, x, top, x+w-4, pictureH, body)
		for wy := top + 10; wy < pictureH-10; wy += 18 {
			for wx := x + 6; wx < x+w-12; wx += 12 {
				if rng.IntN(3) > 0 {
					rect(img, wx, wy, wx+6, wy+9, color.RGBA{250, 215, 120, 255})
				}
			}
		}
		x += w
	}
}

func drawFood(img *image.RGBA, rng *rand.Rand) {
	gradient(img, 0, pictureH, color.RGBA{160, 110, 70, 255}, color.RGBA{110, 70, 40, 255})
	disc(img, 320, 240, 200, color.RGBA{245, 245, 240, 255})
	disc(img, 320, 240, 170, color.RGBA{230, 230, 222, 255})
	palette := []color.RGBA{{220, 60, 40, 255}, {250, 190, 40, 255}, {70, 160, 60, 255}, {140, 80, 40, 255}}
	for i := 0; i < 14; i++ {
		a := rng.Float64() * 2 * math.Pi
		d := rng.Float64() * 120
		disc(img, 320+math.Cos(a)*d, 240+math.Sin(a)*d, 18+rng.Float64()*22, palette[rng.IntN(len(palette))])
	}
}

func drawGarden(img *image.RGBA, rng *rand.Rand) {
	gradient(img, 0, 200, color.RGBA{150, 200, 240, 255}, color.RGBA{210, 235, 250, 255})
	gradient(img, 200, pictureH, color.RGBA{90, 160, 70, 255}, color.RGBA{40, 100, 40, 255})
	petals := []color.RGBA{{240, 80, 120, 255}, {250, 220, 60, 255}, {180, 90, 220, 255}, {250, 250, 250, 255}}
	for i := 0; i < 22; i++ {
		x, y := 20+rng.Float64()*600, 230+rng.Float64()*230
		c := petals[rng.IntN(len(petals))]
		rect(img, int(x)-1, int(y), int(x)+2, int(y)+30, color.RGBA{40, 110, 40, 255})
		for p := 0; p < 5; p++ {
			a := float64(p) / 5 * 2 * math.Pi
			disc(img, x+math.Cos(a)*9, y+math.Sin(a)*9, 7, c)
		}
		disc(img, x, y, 5, color.RGBA{250, 200, 50, 255})
	}
}

func drawBeach(img *image.RGBA, rng *rand.Rand) {
	horizon := 180 + rng.IntN(60)
	shore := horizon + 90 + rng.IntN(60)
	gradient(img, 0, horizon, color.RGBA{90, 160, 230, 255}, color.RGBA{190, 225, 250, 255})
	gradient(img, horizon, shore, color.RGBA{20, 110, 170, 255}, color.RGBA{60, 180, 200, 255})
	gradient(img, shore, pictureH, color.RGBA{240, 220, 170, 255}, color.RGBA{220, 190, 130, 255})
	disc(img, 80+float64(rng.IntN(480)), 40+float64(rng.IntN(60)), 28, color.RGBA{255, 245, 200, 255})
	// Foam at the water's edge, and umbrellas on the sand.
	for x := 0; x < pictureW; x += 6 {
		rect(img, x, shore-3+rng.IntN(4), x+6, shore+2, color.RGBA{250, 250, 245, 255})
	}
	palette := []color.RGBA{{230, 60, 60, 255}, {250, 200, 40, 255}, {40, 120, 220, 255}, {240, 120, 180, 255}}
	for range 2 + rng.IntN(4) {
		x, y := 40+rng.Float64()*560, float64(shore+40+rng.IntN(pictureH-shore-60))
		rect(img, int(x)-1, int(y)-30, int(x)+2, int(y)+30, color.RGBA{90, 70, 50, 255})
		c := palette[rng.IntN(len(palette))]
		for dy := 0.0; dy < 22; dy++ {
			w := int(dy * 2.2)
			rect(img, int(x)-w, int(y)-52+int(dy), int(x)+w, int(y)-51+int(dy), c)
		}
	}
}

func drawCake(img *image.RGBA, rng *rand.Rand) {
	gradient(img, 0, 300, color.RGBA{250, 225, 230, 255}, color.RGBA{235, 200, 210, 255})
	gradient(img, 300, pictureH, color.RGBA{170, 120, 80, 255}, color.RGBA{130, 90, 60, 255})
	disc(img, 320, 380, 190, color.RGBA{245, 245, 245, 255})
	sponge := color.RGBA{uint8(200 + rng.IntN(40)), uint8(150 + rng.IntN(60)), uint8(90 + rng.IntN(60)), 255}
	icing := []color.RGBA{{250, 250, 250, 255}, {250, 180, 200, 255}, {120, 70, 40, 255}}[rng.IntN(3)]
	rect(img, 180, 230, 460, 370, sponge)
	rect(img, 180, 215, 460, 250, icing)
	for x := 180; x < 460; x += 20 {
		disc(img, float64(x+10), 250, 10, icing)
	}
	candles := 3 + rng.IntN(6)
	for i := range candles {
		x := 200 + (240/candles)*i + 12
		c := color.RGBA{uint8(80 + rng.IntN(170)), uint8(80 + rng.IntN(170)), uint8(80 + rng.IntN(170)), 255}
		rect(img, x, 160, x+8, 215, c)
		disc(img, float64(x+4), 150, 7, color.RGBA{255, 200, 60, 255})
	}
}

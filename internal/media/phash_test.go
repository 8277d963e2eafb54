package media

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/bits"
	"testing"
)

// picture draws one of two different scenes as JPEG at a quality.
func picture(scene, quality int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{uint8(x / 3), uint8(y / 2), uint8((x + y) / 5), 255}
			if scene == 2 {
				c = color.RGBA{uint8(255 - y/2), uint8(255 - x/3), 90, 255}
				if (x/80+y/60)%2 == 0 {
					c = color.RGBA{20, 20, 20, 255}
				}
			}
			if scene == 1 && x > 200 && x < 400 && y > 140 && y < 300 {
				c = color.RGBA{240, 30, 30, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: quality})
	return b.Bytes()
}

func TestDHashRecognisesARecompressedPicture(t *testing.T) {
	hash := func(data []byte) uint64 {
		_, info, err := Thumbnail(data, 480)
		if err != nil {
			t.Fatal(err)
		}
		return info.PHash
	}
	a, recompressed, other := hash(picture(1, 92)), hash(picture(1, 40)), hash(picture(2, 92))
	if d := bits.OnesCount64(a ^ recompressed); d > 6 {
		t.Errorf("a re-compressed copy is %d bits away", d)
	}
	if d := bits.OnesCount64(a ^ other); d < 16 {
		t.Errorf("another picture is only %d bits away", d)
	}
	if a == 0 || other == 0 {
		t.Error("a zero hash means none")
	}
}

package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 100, uint8(128 + x%2*127)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestThumbnail(t *testing.T) {
	thumb, info, err := Thumbnail(pngBytes(t, 800, 400), 320)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 800 || info.Height != 400 || info.MimeType != "image/png" {
		t.Fatalf("info %+v", info)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(thumb))
	if err != nil || format != "jpeg" || cfg.Width != 320 || cfg.Height != 160 {
		t.Fatalf("thumbnail %s %dx%d %v", format, cfg.Width, cfg.Height, err)
	}
	small, _, _ := Thumbnail(pngBytes(t, 50, 80), 320)
	cfg, _, _ = image.DecodeConfig(bytes.NewReader(small))
	if cfg.Width != 50 || cfg.Height != 80 {
		t.Fatalf("small image was resized to %dx%d", cfg.Width, cfg.Height)
	}
	if _, _, err := Thumbnail([]byte("not an image"), 100); !errors.Is(err, ErrNotImage) {
		t.Fatalf("garbage: %v", err)
	}
}

func FuzzThumbnail(f *testing.F) {
	f.Add(pngBytes(f, 3, 2))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		thumb, _, err := Thumbnail(data, 64)
		if err == nil {
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width > 64 || cfg.Height > 64 {
				t.Fatalf("bad thumbnail: %v %+v", err, cfg)
			}
		}
	})
}

package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"

	_ "image/gif" // decoders for thumbnails
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// ErrNotImage means the bytes are not an image this package can decode.
var ErrNotImage = errors.New("media: not a decodable image")

// MaxPixels bounds the images decoded for thumbnails (a decompression bomb
// guard): 50 megapixels.
const MaxPixels = 50_000_000

// ImageInfo describes an image's bytes.
type ImageInfo struct {
	Width, Height int
	// MimeType is sniffed from the bytes (image/jpeg, image/png, …).
	MimeType string
	// PHash is the picture's perceptual hash (see DHash), set by
	// Thumbnail.
	PHash uint64
}

// Inspect reads an image's dimensions and type without decoding it.
func Inspect(data []byte) (ImageInfo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ImageInfo{}, ErrNotImage
	}
	mt := http.DetectContentType(data)
	if format == "webp" {
		mt = "image/webp"
	}
	return ImageInfo{Width: cfg.Width, Height: cfg.Height, MimeType: mt}, nil
}

// Thumbnail scales an image to fit within max×max pixels (never enlarging)
// and encodes it as JPEG.
func Thumbnail(data []byte, max int) ([]byte, ImageInfo, error) {
	info, err := Inspect(data)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	if info.Width <= 0 || info.Height <= 0 || info.Width*info.Height > MaxPixels {
		return nil, info, fmt.Errorf("%w: %d×%d pixels", ErrNotImage, info.Width, info.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, info, ErrNotImage
	}
	w, h := info.Width, info.Height
	if w > max || h > max {
		if w >= h {
			w, h = max, max*h/w
		} else {
			w, h = max*w/h, max
		}
	}
	w, h = maxInt(w, 1), maxInt(h, 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// White behind transparent pixels: JPEG has no alpha.
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	// Bilinear is a quarter of Catmull-Rom's cost and, for thumbnails,
	// looks the same.
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	info.PHash = DHash(dst)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, info, fmt.Errorf("media: encode thumbnail: %w", err)
	}
	return buf.Bytes(), info, nil
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

package whatsapp

import (
	"encoding/base64"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// QRCode is the current pairing code, as the API and session.qr events show
// it.
type QRCode struct {
	// Image is the code as a PNG data URL, ready for an <img src>.
	Image string `json:"qr"`
	// Raw is the code's text, for clients that draw it themselves.
	Raw       string    `json:"raw"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// QRDataURL renders a QR payload as a PNG data URL.
func QRDataURL(raw string) (string, error) {
	png, err := qrcode.Encode(raw, qrcode.Medium, 320)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

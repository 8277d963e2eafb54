package wasim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
)

// handlePeerMessage receives a peer message (category=peer) a linked
// device sends to its own phone: the phone decrypts it and acts on the
// protocol message inside.
func (s *Server) handlePeerMessage(d *device, n *waBinary.Node) {
	enc, ok := n.GetOptionalChildByTag("enc")
	if !ok {
		return
	}
	msg, err := d.phone.decryptPairwise(d.lidJID(), &enc)
	if err != nil {
		s.o.Log.Debug("wasim: decrypt peer message", "id", n.Attrs["id"], "err", err)
		return
	}
	_ = msg
}

package e2e_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/wasim"
)

// historyWasim starts a simulator whose phones send their history to a
// device they link, closed when the test ends.
func historyWasim(t testing.TB) *wasim.Server {
	t.Helper()
	rootOnce.Do(func() { copy(rootKey[:], bytes.Repeat([]byte{7}, 32)) })
	ws, err := wasim.New(wasim.Options{RootKey: &rootKey, SyncLinkedDevices: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// textHistory is a history of chats direct chats ("<prefix><5 digits>"),
// each of perChat text messages a minute apart before now, saying
// text(chat, message).
func textHistory(prefix string, chats, perChat int, now time.Time, text func(c, m int) string) wasim.History {
	var h wasim.History
	for c := range chats {
		conv := wasim.HistoryConversation{Chat: fmt.Sprintf("%s%05d", prefix, c), Name: fmt.Sprintf("Chat %d", c)}
		for m := range perChat {
			conv.Messages = append(conv.Messages, wasim.HistoryMessage{ID: fmt.Sprintf("H%s-%02d-%04d", prefix, c, m),
				Time: now.Add(-time.Duration(m+1) * time.Minute), Message: &waE2E.Message{Conversation: proto.String(text(c, m))}})
		}
		h.Conversations = append(h.Conversations, conv)
	}
	return h
}

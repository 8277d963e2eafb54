package reminders

import (
	"testing"
	"time"
)

func TestParseCaptureProbe(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Lisbon")
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, loc)
	for _, s := range []string{"todo buy bread", "todo: buy bread tomorrow at 10:00", "remind me to call Ana at 15:00", "remind me to pay rent on friday at 9am",
		"tarefa comprar pão", "lembrar de comprar pão amanhã às 10h", "nota o código do portão é 1234", "ideia app de receitas",
		"tarea comprar pan", "recuérdame llamar a Ana mañana a las 10", "nota la clave es 1234", "idea una app", "hello there", "todos os dias"} {
		c, ok := ParseCapture(s, now, loc)
		t.Logf("%q -> %v %+v due=%v", s, ok, c, c.Due)
	}
}

package knowledge

import "testing"

// Spanish transcripts and notes, resolved on Wednesday 11 March 2026, 10:00
// in São Paulo.
func TestAnalyseSpanish(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"audio con tres cosas",
			"Hola, soy yo. Mañana tengo que llevar a los niños al dentista a las 10. No olvidar pagar la luz antes del viernes. ¿Y si hacemos una paella el domingo?",
			[]want{
				task("Llevar a los niños al dentista", "2026-03-12 10:00"),
				task("Pagar la luz", "2026-03-13"),
				idea("Y si hacemos una paella el domingo"),
			}},
		{"charla sin nada", "¡Hola! ¿Cómo estás? Ayer fue un día increíble, gracias por todo. Qué tal? Todo bien por aquí.", nil},
		{"despedida", "Me tengo que ir, luego hablamos. Ayer compré leche y pan.", nil},
		{"recuérdame con fecha", "Recuérdame comprar el regalo de Lucía el 3 de diciembre",
			[]want{task("Comprar el regalo de Lucía", "2026-12-03")}},
		{"sin tildes", "Recuerdame comprar el regalo de Lucia el 3 de diciembre",
			[]want{task("Comprar el regalo de Lucia", "2026-12-03")}},
		{"pasado mañana", "Necesito llamar al seguro pasado mañana", []want{task("Llamar al seguro", "2026-03-13")}},
		{"pasado manana sin tilde", "Necesito llamar al seguro pasado manana", []want{task("Llamar al seguro", "2026-03-13")}},
		{"nota", "Nota: la clave del wifi es gato1234", []want{note("La clave del wifi es gato1234")}},
		{"apunte", "Apunte: el cumpleaños de mamá es el 22 de mayo", []want{note("El cumpleaños de mamá es el 22 de mayo")}},
		{"idea", "Idea: una app para compartir recetas con la familia", []want{idea("Una app para compartir recetas con la familia")}},
		{"qué tal si", "Qué tal si organizamos una cena el viernes por la noche?",
			[]want{idea("Qué tal si organizamos una cena el viernes por la noche")}},
		{"hay que, en semanas", "Hay que renovar el pasaporte en 2 semanas", []want{task("Renovar el pasaporte", "2026-03-25")}},
		{"de la mañana no es mañana", "Tengo que enviar el informe el lunes a las 9 de la mañana",
			[]want{task("Enviar el informe", "2026-03-16 09:00")}},
		{"mañana por la mañana", "Mañana por la mañana comprar leche", []want{task("Comprar leche", "2026-03-12")}},
		{"de la tarde", "Recoger el coche a las 5 de la tarde", []want{task("Recoger el coche", "2026-03-11 17:00")}},
		{"y media, aún hoy", "Pagar la luz a las 10 y media", []want{task("Pagar la luz", "2026-03-11 10:30")}},
		{"hora de 24", "Reservar mesa para el sábado a las 21:30", []want{task("Reservar mesa", "2026-03-14 21:30")}},
		{"sin falta", "Manana sin falta comprar pan y leche", []want{task("Comprar pan y leche", "2026-03-12")}},
		{"el miércoles es la semana que viene", "Llamar a Pedro el miércoles", []want{task("Llamar a Pedro", "2026-03-18")}},
		{"el próximo lunes", "Pagar el alquiler el próximo lunes", []want{task("Pagar el alquiler", "2026-03-16")}},
		{"la próxima semana", "Pagar el alquiler la próxima semana", []want{task("Pagar el alquiler", "2026-03-16")}},
		{"esta noche", "Llamar a Pedro esta noche", []want{task("Llamar a Pedro", "2026-03-11")}},
		{"fin de semana", "Tenemos que limpiar la casa el fin de semana", []want{task("Limpiar la casa", "2026-03-14")}},
		{"fecha numérica", "Recordar pagar el seguro el 15/06", []want{task("Pagar el seguro", "2026-06-15")}},
		{"recordar que es nota", "Recordar que el seguro vence el 15/06", []want{note("El seguro vence el 15/06")}},
		{"sería genial", "Sería genial aprender a tocar la guitarra este año", []want{idea("Aprender a tocar la guitarra este año")}},
		{"dos cosas en una frase",
			"No te olvides de sacar la basura esta noche y recuerda que el fontanero viene el jueves",
			[]want{task("Sacar la basura", "2026-03-11"), note("El fontanero viene el jueves")}},
		{"dos tareas", "Necesito comprar pan y llamar a mi madre", []want{task("Comprar pan", ""), task("Llamar a mi madre", "")}},
		{"dirección", "Dirección: Calle Gran Vía 28, Madrid", []want{loc("Calle Gran Vía 28, Madrid", "Calle Gran Vía 28, Madrid")}},
		{"nos vemos en", "Nos vemos en la Plaza Mayor a las 6 de la tarde", []want{loc("Plaza Mayor", "Plaza Mayor")}},
		{"coordenadas", "Aparqué aquí: 40.4168, -3.7038", []want{loc("Aparqué aquí", "", 40.4168, -3.7038)}},
	})
}

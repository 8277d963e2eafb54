package knowledge

import "testing"

// English transcripts and notes, resolved on Wednesday 11 March 2026, 10:00
// in São Paulo.
func TestAnalyseEnglish(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"voice memo with four items",
			"Okay so, a few things for this week. Remind me to call the plumber tomorrow at 9am. I need to pay the electricity bill by Friday. " +
				"Also, what if we turned the spare room into an office? And note to self: the garage code is 4512.",
			[]want{
				task("Call the plumber", "2026-03-12 09:00"),
				task("Pay the electricity bill", "2026-03-13"),
				idea("What if we turned the spare room into an office"),
				note("The garage code is 4512"),
			}},
		{"voice note to a partner",
			"Hey, it's me. I'm driving so I'm sending a voice note. Don't forget to pick up Emma from school at 3:30. Oh and buy milk, eggs and bread on the way home.",
			[]want{
				task("Pick up Emma from school", "2026-03-11 15:30"),
				task("Buy milk, eggs and bread on the way home", ""),
			}},
		{"chit-chat",
			"So yesterday was crazy, the meeting ran late and I missed the bus. Anyway, hope you're doing well. Talk soon!",
			nil},
		{"questions and suggestions to others",
			"Did you call the bank? I think we should talk about it later. You have to see this movie!",
			nil},
		{"small talk with cue words",
			"I have to say, that was amazing. I'll call you later. Call me when you get home. Must be nice to be on vacation. I have to go now, bye. Book club was fun last night.",
			nil},
		{"next weekday with pm time", "Schedule the dentist appointment for next Tuesday at 2pm",
			[]want{task("Schedule the dentist appointment", "2026-03-17 14:00")}},
		{"month name with ordinal", "I have to renew my passport before December 3rd.",
			[]want{task("Renew my passport", "2026-12-03")}},
		{"ordinal of month", "Call Ana on the 3rd of December", []want{task("Call Ana", "2026-12-03")}},
		{"abbreviated month", "Submit taxes by Apr 15th", []want{task("Submit taxes", "2026-04-15")}},
		{"dec 3rd", "Buy a gift for Ana by Dec 3rd", []want{task("Buy a gift for Ana", "2026-12-03")}},
		{"december 3 with year", "Renew the domain on December 3, 2027", []want{task("Renew the domain", "2027-12-03")}},
		{"iso date and 24h time", "Remind me to call the clinic on 2026-12-03 at 17:30", []want{task("Call the clinic", "2026-12-03 17:30")}},
		{"in three days", "Return the library books in 3 days", []want{task("Return the library books", "2026-03-14")}},
		{"verb cue with a venue", "Book a table for four at Luigi's on Saturday at 8pm",
			[]want{task("Book a table for four at Luigi's", "2026-03-14 20:00")}},
		{"remember that is a note", "Remember that Mark's birthday is on the 14th.",
			[]want{note("Mark's birthday is on the 14th")}},
		{"it would be cool", "It would be cool to build a little greenhouse in the backyard.",
			[]want{idea("Build a little greenhouse in the backyard")}},
		{"maybe we could", "Maybe we could start a book club with the neighbours.",
			[]want{idea("Start a book club with the neighbours")}},
		{"idea label", "Idea: a browser extension that blocks news sites before 10am.",
			[]want{idea("A browser extension that blocks news sites before 10am")}},
		{"how about", "How about going to the beach on Saturday?", []want{idea("How about going to the beach on Saturday")}},
		{"in n days", "Email the landlord about the leak in 2 days.",
			[]want{task("Email the landlord about the leak", "2026-03-13")}},
		{"weekday evening guessed hour", "Call mom on Sunday evening at 7.", []want{task("Call mom", "2026-03-15 19:00")}},
		{"today's weekday is next week", "Water the plants on Wednesday", []want{task("Water the plants", "2026-03-18")}},
		// English reads an ambiguous numeric date as month/day: 4 March,
		// already past on 11 March, so next year's.
		{"ambiguous numeric date is month/day in English", "Need to submit the expense report on 03/04.",
			[]want{task("Submit the expense report", "2027-03-04")}},
		{"month/day when day/month is impossible", "Pay the credit card on 4/15", []want{task("Pay the credit card", "2026-04-15")}},
		{"one date for three tasks", "Tomorrow I have to finish the slides, send them to Tom and book the flight to Lisbon.",
			[]want{
				task("Finish the slides", "2026-03-12"),
				task("Send them to Tom", "2026-03-12"),
				task("Book the flight to Lisbon", "2026-03-12"),
			}},
		{"day after tomorrow", "Cancel the gym membership the day after tomorrow.", []want{task("Cancel the gym membership", "2026-03-13")}},
		{"tonight moves a guessed hour", "Must call Sarah tonight at 9", []want{task("Call Sarah", "2026-03-11 21:00")}},
		{"tonight alone has no time", "Take the chicken out of the freezer tonight, don't forget", nil},
		{"to-do label", "To-do: water the plants", []want{task("Water the plants", "")}},
		{"fyi note", "FYI the wifi password changed to sunflower22", []want{note("The wifi password changed to sunflower22")}},
		{"noon", "Call grandma at noon", []want{task("Call grandma", "2026-03-11 12:00")}},
		{"morning period", "Email the landlord at 8 in the morning", []want{task("Email the landlord", "2026-03-12 08:00")}},
		{"afternoon period", "Pick up the dry cleaning this afternoon at 4", []want{task("Pick up the dry cleaning", "2026-03-11 16:00")}},
		{"in hours", "Need to finish the report in 2 hours", []want{task("Finish the report", "2026-03-11 12:00")}},
		{"next week", "Reminder to renew the car insurance next week", []want{task("Renew the car insurance", "2026-03-16")}},
		{"meeting place", "Meet me at the Starbucks on 5th Avenue tomorrow at noon.",
			[]want{event("Meet me at the Starbucks on 5th Avenue", "2026-03-12 12:00", "", "The Starbucks on 5th Avenue")}},
	})
}

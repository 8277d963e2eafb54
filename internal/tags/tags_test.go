package tags

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"buy milk #groceries", []string{"groceries"}},
		{"#Compras: arroz, feijão #compras", []string{"compras"}},
		{"#ideias para o fim de semana #Café", []string{"ideias", "café"}},
		{"reunión #trabajo-2024 y #año_nuevo.", []string{"trabajo-2024", "año_nuevo"}},
		{"see https://example.com/page#section and example.com/#top", nil},
		{"C# and F#, issue #42, ##double", nil},
		{"(#paren) \"#quoted\"", []string{"paren", "quoted"}},
		{"#café- #x_", []string{"café", "x"}},
		{"#" + strings.Repeat("a", 51), nil},
		{"#" + strings.Repeat("a", 50), []string{strings.Repeat("a", 50)}},
		{"café decomposed #cafe\u0301", []string{"café"}},
		{"", nil},
		{"#", nil},
	} {
		if got := Parse(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	var many strings.Builder
	for i := 0; i < 30; i++ {
		many.WriteString(" #t" + string(rune('a'+i%26)) + strings.Repeat("z", i/26))
	}
	if got := Parse(many.String()); len(got) != MaxPerItem {
		t.Errorf("Parse of 30 tags kept %d, want %d", len(got), MaxPerItem)
	}
}

func TestNormalizeAndClean(t *testing.T) {
	for in, want := range map[string]string{"#Groceries": "groceries", " Ideias ": "ideias", "CAFÉ": "café", "a-b_c1": "a-b_c1"} {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "#", "two words", "a.b", "x/y", strings.Repeat("é", 51)} {
		if got, ok := Normalize(in); ok {
			t.Errorf("Normalize(%q) = %q, want not a tag", in, got)
		}
	}
	out, bad, tooMany := Clean([]string{"A", "a", "b c", "#b"})
	if !reflect.DeepEqual(out, []string{"a", "b"}) || !reflect.DeepEqual(bad, []string{"b c"}) || tooMany {
		t.Errorf("Clean = %q %q %v", out, bad, tooMany)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("buy milk #groceries https://x.y/#frag #café")
	f.Fuzz(func(t *testing.T, s string) {
		got := Parse(s)
		if len(got) > MaxPerItem {
			t.Fatalf("%d tags", len(got))
		}
		for _, tag := range got {
			if n, ok := Normalize(tag); !ok || n != tag || utf8.RuneCountInString(tag) > MaxLen {
				t.Fatalf("tag %q is not normal", tag)
			}
		}
	})
}

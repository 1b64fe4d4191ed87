package structured_test

import (
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/llm/structured"
)

func TestFieldNamesAreLettersDigitsUnderscoreUpTo64(t *testing.T) {
	for name, ok := range map[string]bool{
		"title": true, "_id": true, "Price2": true, "a" + strings.Repeat("b", 63): true,
		"a" + strings.Repeat("b", 64): false, "2price": false, "price-usd": false, "": false, "prix_é": false,
	} {
		_, err := structured.SchemaFromFields([]string{name + ":number"})
		if (err == nil) != ok {
			t.Errorf("field %q: error %v, want ok=%v", name, err, ok)
		}
	}
}

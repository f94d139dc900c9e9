package wire

import (
	"encoding/json"
	"strings"
)

// Text is a text value of a service answer, decoded with the blanks around it removed: EA
// answers pad some values ("countryCode":"IN ", "costCenter":"  ABCD", "supportCoverage":" - ").
// Only surrounding white space goes; the text inside is kept as sent. null gives "".
type Text string

// UnmarshalJSON implements json.Unmarshaler. A value that is not a string is an error, as it is
// for a plain string field.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Text(strings.TrimSpace(s))
	return nil
}

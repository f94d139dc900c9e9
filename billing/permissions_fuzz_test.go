package billing

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzCheckAccessAnswer: checkAccess answers come as a bare array or as {"value": [...]}; both
// decode to the same decisions, and nothing panics.
func FuzzCheckAccessAnswer(f *testing.F) {
	for _, s := range []string{
		`[{"accessDecision":"Allowed","action":"10000000-aaaa-bbbb-cccc-200000000001"}]`,
		`{"value":[{"accessDecision":"NotAllowed","action":"Microsoft.Billing/billingAccounts/read"}]}`,
		`{"value":null}`, `[]`, `{}`, `null`, ` {"value":[1]}`, `[{"action":3}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got checkAccessAnswer
		err := json.Unmarshal(b, &got)
		var arr []wireDecision
		if json.Unmarshal(b, &arr) == nil {
			if err != nil || !reflect.DeepEqual([]wireDecision(got), arr) {
				t.Fatalf("bare array %s: %v %+v, want %+v", b, err, got, arr)
			}
			return
		}
		var env struct{ Value []wireDecision }
		if json.Unmarshal(b, &env) == nil && len(b) > 0 {
			wrapped, _ := json.Marshal(env.Value)
			var again checkAccessAnswer
			if json.Unmarshal(wrapped, &again) != nil || (err == nil && !reflect.DeepEqual(got, again)) {
				t.Fatalf("envelope %s: %+v vs %+v", b, got, again)
			}
		}
	})
}

package billingtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

// decimal128Text must keep every decimal exactly: read back as billing.NewDecimalInt128 does,
// the value equals the text's.
func checkDecimal128Text(t *testing.T, s string) {
	n, err := decimal128Text(s, parquetDecimalScale)
	want, perr := billing.ParseDecimal(s)
	if perr != nil {
		require.Error(t, err, s)
		return
	}
	if err != nil {
		return // too many digits for DECIMAL(38,18): refused, never rounded
	}
	got := billing.NewDecimalInt128(n.HighBits(), n.LowBits(), parquetDecimalScale)
	require.Zero(t, got.Cmp(want), "%s: got %s", s, got)
}

func TestDecimal128Text(t *testing.T) {
	for _, s := range []string{"0", "1.5", "-1.5", "0.000000000001", "12345678901234567890.123456789012345678",
		"-99999999999999999999.999999999999999999", "1E-5", "7"} {
		checkDecimal128Text(t, s)
	}
	_, err := decimal128Text("0.0000000000000000001", parquetDecimalScale)
	require.Error(t, err, "19 fractional digits do not fit")
	_, err = decimal128Text("123456789012345678901.5", parquetDecimalScale)
	require.Error(t, err, "39 digits do not fit")
}

func FuzzDecimal128Text(f *testing.F) {
	for _, s := range []string{"0", "-1.25", "123.000000000001", "1e3", "99999999999999999999.999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(checkDecimal128Text)
}

package billing

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAmountString(t *testing.T) {
	assert.Equal(t, "8.53 USD", Amount{Value: NewDecimal(853, -2), Currency: "USD"}.String())
	assert.Equal(t, "-0.000000144 EUR", Amount{Value: NewDecimal(-144, -9), Currency: "EUR"}.String())
	assert.Equal(t, "8.53", Amount{Value: NewDecimal(853, -2)}.String())
	assert.Equal(t, "0", Amount{}.String())
}

func TestAmountAddKeepsCurrency(t *testing.T) {
	a := Amount{Value: mustDec(t, "0.1"), Currency: "USD"}
	b := Amount{Value: mustDec(t, "0.2"), Currency: "usd"}
	sum, err := a.Add(b)
	require.NoError(t, err)
	assert.Equal(t, "0.3 USD", sum.String())

	diff, err := a.Sub(b)
	require.NoError(t, err)
	assert.Equal(t, "-0.1 USD", diff.String())
	assert.Equal(t, "-0.1 USD", a.Neg().String())
}

func TestAmountTotalsCanStartFromZero(t *testing.T) {
	var total Amount
	for _, v := range []string{"1.10", "2.20", "3.30"} {
		var err error
		total, err = total.Add(Amount{Value: mustDec(t, v), Currency: "EUR"})
		require.NoError(t, err)
	}
	assert.Equal(t, "6.60 EUR", total.String())

	back, err := Amount{Value: mustDec(t, "1"), Currency: "EUR"}.Add(Amount{})
	require.NoError(t, err)
	assert.Equal(t, "1 EUR", back.String())
}

func TestAmountAddRefusesMixedCurrencies(t *testing.T) {
	a := Amount{Value: mustDec(t, "1"), Currency: "USD"}
	b := Amount{Value: mustDec(t, "1"), Currency: "EUR"}
	_, err := a.Add(b)
	var cm *CurrencyMismatchError
	require.True(t, errors.As(err, &cm))
	assert.Equal(t, "USD", cm.Left)
	assert.Equal(t, "EUR", cm.Right)
	assert.EqualError(t, err, "cannot combine amounts in USD and EUR: convert one currency first")

	_, err = a.Sub(Amount{Value: mustDec(t, "0"), Currency: "EUR"})
	assert.True(t, errors.As(err, &cm), "a zero value in another currency is still another currency")

	_, err = a.Add(Amount{Value: mustDec(t, "2")})
	require.True(t, errors.As(err, &cm))
	assert.Contains(t, err.Error(), "no currency")
}

func TestAmountIsZero(t *testing.T) {
	assert.True(t, Amount{}.IsZero())
	assert.False(t, Amount{Currency: "USD"}.IsZero())
	assert.True(t, Amount{Currency: "USD"}.Value.IsZero())
	assert.False(t, Amount{Value: NewDecimal(1, 0)}.IsZero())
}

package billing

import (
	"fmt"
	"strings"
)

// Amount is money in a currency, such as a cost of 8.53 USD.
type Amount struct {
	// Value is the amount, exact, with the scale the service sent it with.
	Value    Decimal
	Currency string // ISO 4217 code as Azure sends it, for example "USD"; may be empty when unknown
}

// String returns the value and currency, "8.53 USD", or just the value when the currency is
// empty. The value keeps its scale; use Value.Round(2) first to show cents.
func (a Amount) String() string {
	b := a.Value.Append(make([]byte, 0, 32))
	if a.Currency != "" {
		b = append(b, ' ')
		b = append(b, a.Currency...)
	}
	return string(b)
}

// IsZero reports whether a is the zero Amount, with no value and no currency. To test for a
// zero value in some currency use a.Value.IsZero().
func (a Amount) IsZero() bool { return a.Value.IsZero() && a.Currency == "" }

// Add returns a + o. Mixing currencies is a *CurrencyMismatchError, because adding them
// needs an exchange rate. Codes are compared without regard to case, and the zero Amount
// adopts the other currency, so totals can start from Amount{}.
func (a Amount) Add(o Amount) (Amount, error) {
	cur, err := a.commonCurrency(o)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Value: a.Value.Add(o.Value), Currency: cur}, nil
}

// Sub returns a - o, with the same currency rules as Add.
func (a Amount) Sub(o Amount) (Amount, error) {
	cur, err := a.commonCurrency(o)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Value: a.Value.Sub(o.Value), Currency: cur}, nil
}

// Neg returns -a in the same currency, for example to turn a charge into a credit.
func (a Amount) Neg() Amount { return Amount{Value: a.Value.Neg(), Currency: a.Currency} }

func (a Amount) commonCurrency(o Amount) (string, error) {
	switch {
	case a.Currency == o.Currency || strings.EqualFold(a.Currency, o.Currency):
		return a.Currency, nil
	case a.IsZero():
		return o.Currency, nil
	case o.IsZero():
		return a.Currency, nil
	}
	return "", &CurrencyMismatchError{Left: a.Currency, Right: o.Currency}
}

// CurrencyMismatchError reports arithmetic on amounts in two different currencies.
type CurrencyMismatchError struct {
	Left, Right string // the currencies of the two operands, in order
}

// Error names both currencies and what to do about it.
func (e *CurrencyMismatchError) Error() string {
	return fmt.Sprintf("cannot combine amounts in %s and %s: convert one currency first", amountCurrencyName(e.Left), amountCurrencyName(e.Right))
}

func amountCurrencyName(c string) string {
	if c == "" {
		return "no currency"
	}
	return c
}

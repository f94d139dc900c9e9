package billing_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/azbilling/azbilling/billing"
)

func ExampleParseDecimal() {
	// Usage files carry up to 28 fractional digits and, after a trip through Excel, E-notation.
	for _, s := range []string{"0.000000144000000000000000", "5.64902E-05", "-1.50", "1,50"} {
		d, err := billing.ParseDecimal(s)
		if err != nil {
			fmt.Println(errors.Is(err, billing.ErrInvalidDecimal), err)
			continue
		}
		fmt.Println(d, d.Scale())
	}
	// Output:
	// 0.000000144000000000000000 24
	// 0.0000564902 10
	// -1.50 2
	// true invalid decimal "1,50": unexpected "," at offset 1
}

func ExampleDecimal_Add() {
	a, _ := billing.ParseDecimal("0.1")
	b, _ := billing.ParseDecimal("0.2")
	sum := a.Add(b)
	x, y := 0.1, 0.2 // the same sum in float64 is not 0.3
	fmt.Println(sum, sum.Equal(billing.NewDecimal(3, -1)), x+y == 0.3)
	// Output: 0.3 true false
}

func ExampleDecimal_Round() {
	d, _ := billing.ParseDecimal("2.345")
	fmt.Println(d.Round(2), d.Neg().Round(2), billing.NewDecimal(7, 0).Round(2))
	// Output: 2.35 -2.35 7.00
}

func ExampleDecimal_Normalize() {
	d, _ := billing.ParseDecimal("0.40000")
	fmt.Println(d, d.Normalize())
	// Output: 0.40000 0.4
}

func ExampleDecimal_UnmarshalJSON() {
	// Azure sends amounts as JSON numbers or as strings; both are read exactly.
	var v struct {
		Cost     billing.Decimal `json:"cost"`
		Quantity billing.Decimal `json:"quantity"`
	}
	_ = json.Unmarshal([]byte(`{"cost": 0.000000000000000000000123, "quantity": "24.5"}`), &v)
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
	// Output: {"cost":0.000000000000000000000123,"quantity":24.5}
}

func ExampleDate_AddMonths() {
	d := billing.NewDate(2026, time.January, 31)
	fmt.Println(d.AddMonths(1), d.AddDays(1), d.Weekday())
	// Output: 2026-02-28 2026-02-01 Saturday
}

func ExampleParseDate() {
	_, err := billing.ParseDate("2026-02-30")
	fmt.Println(errors.Is(err, billing.ErrInvalidDate), err)
	// Output: true invalid date "2026-02-30": day out of range
}

func ExampleDate_UnmarshalJSON() {
	var d billing.Date
	_ = json.Unmarshal([]byte(`"2023-01-16T17:32:28Z"`), &d) // Azure timestamps give their date
	fmt.Println(d)
	// Output: 2023-01-16
}

func ExampleAmount_Add() {
	total := billing.Amount{} // the zero Amount takes the currency of what is added
	for _, cents := range []int64{853, 1299} {
		total, _ = total.Add(billing.Amount{Value: billing.NewDecimal(cents, -2), Currency: "USD"})
	}
	fmt.Println(total)

	_, err := total.Add(billing.Amount{Value: billing.NewDecimal(1, 0), Currency: "EUR"})
	var mismatch *billing.CurrencyMismatchError
	fmt.Println(errors.As(err, &mismatch), err)
	// Output:
	// 21.52 USD
	// true cannot combine amounts in USD and EUR: convert one currency first
}

package formschema

import "testing"

func BenchmarkCompile(b *testing.B) {
	raw := []byte(restaurantForm)
	for b.Loop() {
		if _, err := Compile(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromForm(b *testing.B) {
	s := mustCompile(b, restaurantForm)
	v := validForm()
	for b.Loop() {
		if _, verr := s.FromForm(v); verr != nil {
			b.Fatal(verr)
		}
	}
}

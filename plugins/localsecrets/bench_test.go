package localsecrets_test

import (
	"fmt"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// BenchmarkWrite writes one secret into a store of 1000: every write reseals and rewrites
// the whole file and syncs it, the price of a crash-proof single file.
func BenchmarkWrite(b *testing.B) {
	s, _ := configure(b, nil)
	for i := range 1000 {
		write(b, s, alice, fmt.Sprintf("alice/bulk/%04d", i), map[string]string{"token": fmt.Sprintf("%064d", i)})
	}
	for b.Loop() {
		write(b, s, alice, "alice/hot", map[string]string{"token": "value"})
	}
}

// BenchmarkRead reads one secret of a store of 1000, from memory.
func BenchmarkRead(b *testing.B) {
	s, _ := configure(b, nil)
	for i := range 1000 {
		write(b, s, alice, fmt.Sprintf("alice/bulk/%04d", i), map[string]string{"token": fmt.Sprintf("%064d", i)})
	}
	for b.Loop() {
		if _, err := s.Read(b.Context(), sdk.ReadSecretRequest{Caller: alice, Path: "alice/bulk/0500"}); err != nil {
			b.Fatal(err)
		}
	}
}

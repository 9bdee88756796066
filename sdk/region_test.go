package sdk

import (
	"reflect"
	"testing"
)

func TestMaskValues(t *testing.T) {
	values := map[string]any{
		"s3":       map[string]any{"secretKey": "abc", "endpoint": "x"},
		"security": map[string]any{"password": "hunter2", "PrivateKey": "k"},
		"git":      map[string]any{"token": ""}, // nothing to hide
		"cpu":      2,
		"env":      []any{"TOKEN"},
	}
	want := map[string]any{
		"s3":       map[string]any{"secretKey": Masked, "endpoint": "x"},
		"security": map[string]any{"password": Masked, "PrivateKey": Masked},
		"git":      map[string]any{"token": ""},
		"cpu":      2,
		"env":      []any{"TOKEN"},
	}
	if got := MaskValues(values); !reflect.DeepEqual(got, want) {
		t.Errorf("MaskValues:\n got %v\nwant %v", got, want)
	}
	if values["security"].(map[string]any)["password"] != "hunter2" {
		t.Errorf("MaskValues changed the values it copied")
	}
}

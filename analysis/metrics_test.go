package analysis

import (
	"reflect"
	"strings"
	"testing"
)

// TestMetricTable checks Metrics against MachineMetrics: its JSON fields
// after id and rate, in order, are the metrics' keys; each metric's Value
// is the field of the same name (on a MachineMetrics whose fields all
// differ); an integer field is an integer kind; and the table's own
// bookkeeping (Index, MetricByKey, Predict) holds.
func TestMetricTable(t *testing.T) {
	typ := reflect.TypeFor[MachineMetrics]()
	var mm MachineMetrics
	v := reflect.ValueOf(&mm).Elem()
	var keys []string
	field := map[string]reflect.Value{}
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		switch f := v.Field(i); f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(100 + i))
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.25)
		default:
			t.Fatalf("field %s has kind %s", typ.Field(i).Name, f.Kind())
		}
		keys = append(keys, key)
		field[key] = v.Field(i)
	}
	if len(keys) < 2 || keys[0] != "id" || keys[1] != "rate" {
		t.Fatalf("MachineMetrics' JSON fields start %q, want id and rate", keys)
	}
	keys = keys[2:]
	var table []string
	for _, m := range Metrics {
		table = append(table, m.Key)
	}
	if !reflect.DeepEqual(table, keys) {
		t.Fatalf("Metrics are %q,\nMachineMetrics' fields after id and rate %q", table, keys)
	}
	seen := map[*Metric]bool{}
	for i, m := range Metrics {
		f := field[m.Key]
		var want float64
		if f.Kind() == reflect.Float64 {
			want = f.Float()
		} else {
			want = float64(f.Int())
		}
		if got := m.Value(&mm); got != want {
			t.Errorf("%s: Value gives %v, the field %v", m.Key, got, want)
		}
		if integer := f.Kind() != reflect.Float64; m.Kind.Integer() != integer || (m.integer != nil) != integer || (m.real != nil) == integer {
			t.Errorf("%s: kind %d, read as integer %v, but the field is a %s", m.Key, m.Kind, m.integer != nil, f.Kind())
		}
		if m.Index() != i || seen[m] {
			t.Errorf("%s: index %d at position %d (listed twice: %v)", m.Key, m.Index(), i, seen[m])
		}
		seen[m] = true
		if got, ok := MetricByKey(m.Key); !ok || got != m {
			t.Errorf("MetricByKey(%q) = %v, %v", m.Key, got, ok)
		}
		if m.Unit == "" || m.Doc == "" {
			t.Errorf("%s: no unit or doc", m.Key)
		}
		// A predicted metric reads the field of Expected with its key.
		var e Expected
		ev := reflect.ValueOf(&e).Elem()
		field := -1
		for j := range ev.NumField() {
			if strings.Split(ev.Type().Field(j).Tag.Get("json"), ",")[0] == m.Key {
				field = j
				ev.Field(j).SetFloat(float64(100 + i))
			}
		}
		if v, ok := m.Predict(&e); ok != m.Predicted() || ok && (field < 0 || v != float64(100+i)) {
			t.Errorf("%s: Predict gives %v, %v (Predicted %v); want Expected's field %q", m.Key, v, ok, m.Predicted(), m.Key)
		}
		if m.String() != m.Key {
			t.Errorf("%s: String gives %q", m.Key, m.String())
		}
	}
	if m, ok := MetricByKey("rate"); ok {
		t.Errorf("MetricByKey(\"rate\") = %v, want none", m)
	}
}

package bench

import (
	"context"
	"io"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func env(t testing.TB) Env {
	e := NewEnv("", t.TempDir(), io.Discard, nil)
	t.Cleanup(e.Cleanup)
	return e
}

// BenchmarkIngest reports durable ingest throughput with 100 sim sessions.
func BenchmarkIngest(b *testing.B) {
	for range b.N {
		r, err := Ingest(context.Background(), env(b), 100, 50000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.PerSecond, "msgs/s")
	}
}

// The benchmarks above must keep working: run each once, small.
func TestBenchmarksRun(t *testing.T) {
	ctx := context.Background()
	if r, err := Ingest(ctx, env(t), 4, 400); err != nil || r.Messages != 400 {
		t.Fatalf("ingest: %+v %v", r, err)
	}
	if r, err := Latency(ctx, env(t), 500, 100); err != nil || r.P50 <= 0 {
		t.Fatalf("latency: %+v %v", r, err)
	}
	if r, err := Queries(ctx, env(t), 3, 300, 20); err != nil || len(r.Kinds) != 5 {
		t.Fatalf("queries: %+v %v", r, err)
	}
	if r, err := Sessions(ctx, env(t), 20); err != nil || r.Sessions != 20 {
		t.Fatalf("sessions: %+v %v", r, err)
	}
	if r, err := Pipeline(ctx, env(t), 2, 100); err != nil || r.Messages != 100 || r.Jobs < 30 {
		t.Fatalf("pipeline: %+v %v", r, err)
	}
	if r, err := Thumbnail(ctx, env(t), 3); err != nil || r.Images != 3 {
		t.Fatalf("thumbnail: %+v %v", r, err)
	}
	if r, err := Pages(ctx, env(t), 2000, 300, 5); err != nil || len(r.Pages) < 10 || r.DashboardBytes == 0 {
		t.Fatalf("pages: %+v %v", r, err)
	}
	e := NewEnv(dbtest.PostgresURL(t), t.TempDir(), io.Discard, nil)
	defer e.Cleanup()
	if r, err := Ingest(ctx, e, 4, 400); err != nil || r.Messages != 400 {
		t.Fatalf("ingest on postgres: %+v %v", r, err)
	}
}

// BenchmarkPipeline reports messages/s through the whole knowledge pipeline.
func BenchmarkPipeline(b *testing.B) {
	for range b.N {
		r, err := Pipeline(context.Background(), env(b), 10, 4000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.PerSecond, "msgs/s")
	}
}

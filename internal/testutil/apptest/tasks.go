package apptest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/synapse-kb/synapse/internal/store"
)

// CopyTasks makes tasks len(users)..n-1 (task j is person j%len(users)'s) as
// copies of each person's template task and its reminder, with new ids
// and titles, a thousand or so rows to a statement: what the service
// writes for a task due at a time and its pending reminder, minus the
// search index (benchmarks of the reminders' sending make 100,000 of them
// in seconds this way, instead of about 15 minutes through the service).
// templates[i] is users[i]'s task; the copies share its reminder's
// instant and job.
//
// With analyze, PostgreSQL's statistics of the two tables are brought up
// to date afterwards.
func CopyTasks(ctx context.Context, st *store.Store, users, templates []string, n int, analyze bool) error {
	taskCols, taskRows, err := readRows(ctx, st, `SELECT * FROM tasks WHERE id IN (`+quoted(templates)+`)`)
	if err != nil {
		return err
	}
	remCols, remRows, err := readRows(ctx, st, `SELECT * FROM reminders WHERE item_kind = 'task' AND item_id IN (`+quoted(templates)+`)`)
	if err != nil {
		return err
	}
	if len(taskRows) != len(users) || len(remRows) != len(users) {
		return fmt.Errorf("copy tasks: %d template tasks and %d reminders for %d people", len(taskRows), len(remRows), len(users))
	}
	byUser := func(cols []string, rows [][]any) map[string][]any {
		ui := slices.Index(cols, "user_id")
		m := map[string][]any{}
		for _, r := range rows {
			m[asString(r[ui])] = r
		}
		return m
	}
	tasksOf, remsOf := byUser(taskCols, taskRows), byUser(remCols, remRows)
	var tasks, rems [][]any
	for j := len(users); j < n; j++ {
		uid := users[j%len(users)]
		taskID := store.NewID()
		tasks = append(tasks, withValues(taskCols, tasksOf[uid], map[string]any{"id": taskID, "title": fmt.Sprintf("Task %d", j)}))
		rems = append(rems, withValues(remCols, remsOf[uid], map[string]any{"id": store.NewID(), "item_id": taskID}))
	}
	if err := insertRows(ctx, st, "tasks", taskCols, tasks); err != nil {
		return err
	}
	if err := insertRows(ctx, st, "reminders", remCols, rems); err != nil {
		return err
	}
	if analyze && st.Dialect() == store.Postgres {
		// As autovacuum would have by then, had the rows come one by one
		// over time: without statistics, PostgreSQL plans the claim of
		// each part as if the tables were empty.
		if _, err := st.DB().ExecContext(ctx, `ANALYZE tasks, reminders`); err != nil {
			return fmt.Errorf("copy tasks: analyze: %w", err)
		}
	}
	return nil
}

func readRows(ctx context.Context, st *store.Store, query string) ([]string, [][]any, error) {
	rows, err := st.DB().QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return cols, out, rows.Err()
}

func withValues(cols []string, row []any, set map[string]any) []any {
	out := slices.Clone(row)
	for i, c := range cols {
		if v, ok := set[c]; ok {
			out[i] = v
		}
	}
	return out
}

func insertRows(ctx context.Context, st *store.Store, table string, cols []string, rows [][]any) error {
	per := max(1, 30000/len(cols))
	for len(rows) > 0 {
		chunk := rows[:min(per, len(rows))]
		rows = rows[len(chunk):]
		var sb strings.Builder
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for k := range cols {
				if k > 0 {
					sb.WriteString(", ")
				}
				args = append(args, r[k])
				if st.Dialect() == store.Postgres {
					sb.WriteString("$" + strconv.Itoa(len(args)))
				} else {
					sb.WriteString("?")
				}
			}
			sb.WriteString(")")
		}
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES `+sb.String(), args...); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	return nil
}

func asString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func quoted(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = "'" + strings.ReplaceAll(id, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

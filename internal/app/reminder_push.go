package app

import (
	"context"
	"fmt"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/service"
)

// pushReminders is the reminders' browser channel: a Web Push notification
// to every browser the person enabled, opening the Reminders page, with
// buttons that snooze it or mark it done through capability links
// (service.ReminderNotification). The service is set once it
// exists (it is made after the pipeline).
type pushReminders struct{ svc **service.Service }

// Name is reminders.ChannelPush.
func (pushReminders) Name() string { return reminders.ChannelPush }

// Send notifies the person's browsers. A push service that is busy is
// retried by its own job; the reminder job is not repeated for it, which
// would notify the other browsers again.
func (c pushReminders) Send(ctx context.Context, userID string, r reminders.Reminder) error {
	svc := *c.svc
	if svc == nil {
		return fmt.Errorf("push reminders: the service is not ready")
	}
	_, err := svc.PushNotify(ctx, userID, svc.ReminderNotification(userID, r))
	return err
}

// ForPeople reads the browsers of a part's people in one query.
func (c pushReminders) ForPeople(ctx context.Context, userIDs []string) (reminders.Channel, error) {
	svc := *c.svc
	if svc == nil {
		return nil, fmt.Errorf("push reminders: the service is not ready")
	}
	b, err := svc.PushBatch(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	return pushBatch{svc: svc, b: b}, nil
}

// pushBatch is the browser channel for one part's people.
type pushBatch struct {
	svc *service.Service
	b   *service.PushBatch
}

func (pushBatch) Name() string { return reminders.ChannelPush }

func (c pushBatch) Send(ctx context.Context, userID string, r reminders.Reminder) error {
	_, err := c.b.Notify(ctx, userID, c.svc.ReminderNotification(userID, r))
	return err
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/config"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// userCreate makes an account for a real deployment: the first city admin,
// officers before the admin pages exist, verification-body users.
func userCreate(ctx context.Context, cfg config.Config, log *slog.Logger, env environment, args []string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	login := fs.String("login", "", "mobile number or e-mail the person signs in with")
	role := fs.String("role", "", "merchant, officer, supervisor, city_admin or verification_body")
	agency := fs.String("agency", "", "agency code (officer, supervisor), e.g. cz-tianning")
	body := fs.String("body", "", "verification body code (verification_body), e.g. cz-metrology")
	name := fs.String("name", "", "display name")
	password := fs.String("password", "", "password (visible in the process list; prefer -password-stdin)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pw := *password
	if *passwordStdin {
		line, err := bufio.NewReader(env.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("-password-stdin: no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if *login == "" || *role == "" || pw == "" {
		return errors.New("user create needs -login, -role and a password (-password-stdin)")
	}
	db, _, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	st, _, err := seededStore(ctx, cfg, db)
	if err != nil {
		return err
	}
	var agencyID, bodyID *int64
	if *agency != "" {
		a, err := st.AgencyByCode(ctx, *agency)
		if err != nil {
			return fmt.Errorf("unknown agency %q", *agency)
		}
		agencyID = &a.ID
	}
	if *body != "" {
		b, err := st.VerificationBodyByCode(ctx, *body)
		if err != nil {
			return fmt.Errorf("unknown verification body %q", *body)
		}
		bodyID = &b.ID
	}
	u, err := accounts.NewUser(*login, pw, *name, model.Role(*role), agencyID, bodyID)
	if err != nil {
		return err
	}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return fmt.Errorf("an account with login %s already exists", u.Login)
		}
		return err
	}
	fmt.Fprintf(env.stdout, "created %s account %s (id %d)\n", u.Role, u.Login, u.ID)
	return nil
}

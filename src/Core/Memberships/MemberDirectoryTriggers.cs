namespace KeyPortal.Core.Memberships;

// The Users page lists, filters, sorts and pages one organization's members on the memberships
// table alone, so each membership row carries a copy of its user's email, state and last login
// (MemberDirectoryColumns). These triggers are the only writers of that copy, and they keep one
// thing true on both databases: for every membership row,
//     UserEmail       = users.NormalizedEmail
//     UserState       = users.State
//     UserLastLoginAt = users.LastLoginAt, or the earliest time when the user never signed in
// (0 ticks in SQLite, 0001-01-01 UTC in PostgreSQL), so that sorting by last login puts those
// people first on both databases and the column is never null.
// It holds from the insert of the membership onwards and after every change of the user row;
// a membership's UserId never changes, so nothing else can make the copy drift.
// The model declares both triggers (HasTrigger), so EF Core knows these tables have triggers when
// it saves to them.
// The Baseline migration creates them together with the empty tables, so there is nothing to copy
// from existing rows.

/// <summary>The member-directory triggers of the SQLite database (see the comment above).</summary>
internal static class SqliteMemberDirectoryTriggers
{
    /// <summary>
    /// SQLite has no BEFORE trigger that may change the new row, so the insert trigger updates the
    /// row just inserted. The update trigger fires when an UPDATE sets any of the three user columns.
    /// </summary>
    public const string Create = $"""
        CREATE TRIGGER {MemberDirectoryColumns.InsertTrigger} AFTER INSERT ON memberships
        BEGIN
            UPDATE memberships SET
                UserEmail = (SELECT NormalizedEmail FROM users WHERE users.Id = NEW.UserId),
                UserState = (SELECT State FROM users WHERE users.Id = NEW.UserId),
                UserLastLoginAt = (SELECT coalesce(LastLoginAt, 0) FROM users WHERE users.Id = NEW.UserId)
            WHERE Id = NEW.Id;
        END;
        CREATE TRIGGER {MemberDirectoryColumns.UpdateTrigger} AFTER UPDATE OF NormalizedEmail, State, LastLoginAt ON users
        BEGIN
            UPDATE memberships SET UserEmail = NEW.NormalizedEmail, UserState = NEW.State, UserLastLoginAt = coalesce(NEW.LastLoginAt, 0)
            WHERE UserId = NEW.Id;
        END;
        """;

    public const string Drop = $"""
        DROP TRIGGER IF EXISTS {MemberDirectoryColumns.UpdateTrigger};
        DROP TRIGGER IF EXISTS {MemberDirectoryColumns.InsertTrigger};
        """;
}

/// <summary>The member-directory triggers of the PostgreSQL database (see the comment above).</summary>
internal static class PostgresMemberDirectoryTriggers
{
    /// <summary>
    /// Each trigger runs a function of the same name. The insert trigger fills the new row before
    /// it is written; the update trigger runs only when one of the three user columns really
    /// changed, so a sign-in that touches other columns rewrites no membership row.
    /// </summary>
    public const string Create = $"""
        CREATE FUNCTION {MemberDirectoryColumns.InsertTrigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT u."NormalizedEmail", u."State", coalesce(u."LastLoginAt", '0001-01-01 00:00:00+00')
            INTO NEW."UserEmail", NEW."UserState", NEW."UserLastLoginAt"
            FROM users u WHERE u."Id" = NEW."UserId";
            RETURN NEW;
        END $$;
        CREATE TRIGGER {MemberDirectoryColumns.InsertTrigger} BEFORE INSERT ON memberships
            FOR EACH ROW EXECUTE FUNCTION {MemberDirectoryColumns.InsertTrigger}();
        CREATE FUNCTION {MemberDirectoryColumns.UpdateTrigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE memberships SET "UserEmail" = NEW."NormalizedEmail", "UserState" = NEW."State", "UserLastLoginAt" = coalesce(NEW."LastLoginAt", '0001-01-01 00:00:00+00')
            WHERE "UserId" = NEW."Id";
            RETURN NULL;
        END $$;
        CREATE TRIGGER {MemberDirectoryColumns.UpdateTrigger} AFTER UPDATE OF "NormalizedEmail", "State", "LastLoginAt" ON users
            FOR EACH ROW
            WHEN (OLD."NormalizedEmail" IS DISTINCT FROM NEW."NormalizedEmail" OR OLD."State" IS DISTINCT FROM NEW."State"
                OR OLD."LastLoginAt" IS DISTINCT FROM NEW."LastLoginAt")
            EXECUTE FUNCTION {MemberDirectoryColumns.UpdateTrigger}();
        """;

    // Dropping a table drops its triggers but not their functions.
    public const string Drop = $"""
        DROP TRIGGER IF EXISTS {MemberDirectoryColumns.UpdateTrigger} ON users;
        DROP FUNCTION IF EXISTS {MemberDirectoryColumns.UpdateTrigger}();
        DROP TRIGGER IF EXISTS {MemberDirectoryColumns.InsertTrigger} ON memberships;
        DROP FUNCTION IF EXISTS {MemberDirectoryColumns.InsertTrigger}();
        """;
}

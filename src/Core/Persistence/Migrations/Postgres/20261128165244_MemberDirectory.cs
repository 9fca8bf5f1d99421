using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MemberDirectory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole",
                table: "memberships");

            migrationBuilder.AddColumn<string>(
                name: "UserEmail",
                table: "memberships",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true,
                collation: "C");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "UserLastLoginAt",
                table: "memberships",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UserState",
                table: "memberships",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole_UserEmail",
                table: "memberships",
                columns: new[] { "OrganizationId", "OrganizationRole", "UserEmail" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserEmail",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserEmail" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserLastLoginAt",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserLastLoginAt" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserState_UserEmail",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserState", "UserEmail" });

            // The member list's copy of user fields: filled for existing rows, then kept by triggers.
            // Never signed in counts as the earliest time, so both databases sort it alike.
            migrationBuilder.Sql("""
                UPDATE memberships m SET "UserEmail" = u."NormalizedEmail", "UserState" = u."State", "UserLastLoginAt" = coalesce(u."LastLoginAt", '0001-01-01 00:00:00+00')
                FROM users u WHERE u."Id" = m."UserId";
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION memberships_copy_user() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    SELECT u."NormalizedEmail", u."State", coalesce(u."LastLoginAt", '0001-01-01 00:00:00+00')
                    INTO NEW."UserEmail", NEW."UserState", NEW."UserLastLoginAt"
                    FROM users u WHERE u."Id" = NEW."UserId";
                    RETURN NEW;
                END $$;
                CREATE TRIGGER memberships_copy_user BEFORE INSERT ON memberships
                    FOR EACH ROW EXECUTE FUNCTION memberships_copy_user();
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION users_copy_to_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE memberships SET "UserEmail" = NEW."NormalizedEmail", "UserState" = NEW."State", "UserLastLoginAt" = coalesce(NEW."LastLoginAt", '0001-01-01 00:00:00+00')
                    WHERE "UserId" = NEW."Id";
                    RETURN NULL;
                END $$;
                CREATE TRIGGER users_copy_to_memberships AFTER UPDATE OF "NormalizedEmail", "State", "LastLoginAt" ON users
                    FOR EACH ROW
                    WHEN (OLD."NormalizedEmail" IS DISTINCT FROM NEW."NormalizedEmail" OR OLD."State" IS DISTINCT FROM NEW."State"
                        OR OLD."LastLoginAt" IS DISTINCT FROM NEW."LastLoginAt")
                    EXECUTE FUNCTION users_copy_to_memberships();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS users_copy_to_memberships ON users; DROP FUNCTION IF EXISTS users_copy_to_memberships();");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS memberships_copy_user ON memberships; DROP FUNCTION IF EXISTS memberships_copy_user();");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole_UserEmail",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserEmail",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserLastLoginAt",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserState_UserEmail",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "UserEmail",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "UserLastLoginAt",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "UserState",
                table: "memberships");

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole",
                table: "memberships",
                columns: new[] { "OrganizationId", "OrganizationRole" });
        }
    }
}

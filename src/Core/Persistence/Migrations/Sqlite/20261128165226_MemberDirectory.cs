using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "UserLastLoginAt",
                table: "memberships",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UserState",
                table: "memberships",
                type: "TEXT",
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
            // Never signed in counts as the earliest time (0 ticks), so both databases sort it alike.
            migrationBuilder.Sql("""
                UPDATE memberships SET
                    UserEmail = (SELECT NormalizedEmail FROM users WHERE users.Id = memberships.UserId),
                    UserState = (SELECT State FROM users WHERE users.Id = memberships.UserId),
                    UserLastLoginAt = (SELECT coalesce(LastLoginAt, 0) FROM users WHERE users.Id = memberships.UserId);
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER memberships_copy_user AFTER INSERT ON memberships
                BEGIN
                    UPDATE memberships SET
                        UserEmail = (SELECT NormalizedEmail FROM users WHERE users.Id = NEW.UserId),
                        UserState = (SELECT State FROM users WHERE users.Id = NEW.UserId),
                        UserLastLoginAt = (SELECT coalesce(LastLoginAt, 0) FROM users WHERE users.Id = NEW.UserId)
                    WHERE Id = NEW.Id;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER users_copy_to_memberships AFTER UPDATE OF NormalizedEmail, State, LastLoginAt ON users
                BEGIN
                    UPDATE memberships SET UserEmail = NEW.NormalizedEmail, UserState = NEW.State, UserLastLoginAt = coalesce(NEW.LastLoginAt, 0)
                    WHERE UserId = NEW.Id;
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS users_copy_to_memberships;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS memberships_copy_user;");

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

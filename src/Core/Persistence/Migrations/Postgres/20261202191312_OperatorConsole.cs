using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OperatorConsole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_Actor_OccurredAt",
                table: "audit_entries",
                columns: new[] { "Actor", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_OccurredAt",
                table: "audit_entries",
                column: "OccurredAt");

            // The operators' search of every account by email prefix is a byte-order range
            // (UserDirectory): an index in that order, beside the unique one in the default collation.
            migrationBuilder.Sql("CREATE INDEX \"IX_users_NormalizedEmail_bytes\" ON users (\"NormalizedEmail\" COLLATE \"C\");");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS \"IX_users_NormalizedEmail_bytes\";");

            migrationBuilder.DropIndex(
                name: "IX_audit_entries_Actor_OccurredAt",
                table: "audit_entries");

            migrationBuilder.DropIndex(
                name: "IX_audit_entries_OccurredAt",
                table: "audit_entries");
        }
    }
}

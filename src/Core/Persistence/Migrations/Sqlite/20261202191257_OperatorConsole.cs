using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Sqlite
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_audit_entries_Actor_OccurredAt",
                table: "audit_entries");

            migrationBuilder.DropIndex(
                name: "IX_audit_entries_OccurredAt",
                table: "audit_entries");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MemberDirectoryCoveringIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole_UserEmail_Id",
                table: "memberships",
                columns: new[] { "OrganizationId", "OrganizationRole", "UserEmail", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserEmail_Id",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserEmail", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserLastLoginAt_UserEmail_Id",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserLastLoginAt", "UserEmail", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_memberships_OrganizationId_UserState_UserEmail_Id",
                table: "memberships",
                columns: new[] { "OrganizationId", "UserState", "UserEmail", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_OrganizationRole_UserEmail_Id",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserEmail_Id",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserLastLoginAt_UserEmail_Id",
                table: "memberships");

            migrationBuilder.DropIndex(
                name: "IX_memberships_OrganizationId_UserState_UserEmail_Id",
                table: "memberships");

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
        }
    }
}

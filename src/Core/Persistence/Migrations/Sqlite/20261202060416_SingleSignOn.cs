using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SingleSignOn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "FederatedOrganizationId",
                table: "user_sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "saml_assertion_uses",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_saml_assertion_uses", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "sso_connections",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Protocol = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClockSkewSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    SamlIdentityProviderEntityId = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    SamlSingleSignOnUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    SamlSigningCertificatesPem = table.Column<string>(type: "TEXT", nullable: true),
                    SamlMetadataUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    SamlMetadataValidUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    SamlRequireSignedAssertions = table.Column<bool>(type: "INTEGER", nullable: false),
                    SamlAllowSha1 = table.Column<bool>(type: "INTEGER", nullable: false),
                    SamlAllowIdpInitiated = table.Column<bool>(type: "INTEGER", nullable: false),
                    SamlSignRequests = table.Column<bool>(type: "INTEGER", nullable: false),
                    SamlServiceProviderKeyProtected = table.Column<string>(type: "TEXT", nullable: true),
                    OidcIssuer = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    OidcClientId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    OidcClientSecretProtected = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sso_connections", x => x.OrganizationId);
                    table.ForeignKey(
                        name: "FK_sso_connections_organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sso_domains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Domain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    VerificationToken = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    VerifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    VerifiedBy = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sso_domains", x => x.Id);
                    table.ForeignKey(
                        name: "FK_sso_domains_organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sso_signin_requests",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ProtocolRequestId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ConnectionVersion = table.Column<long>(type: "INTEGER", nullable: false),
                    BrowserBindingHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    ReturnUrl = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    IsTest = table.Column<bool>(type: "INTEGER", nullable: false),
                    TestedBySessionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sso_signin_requests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_sso_signin_requests_organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sso_test_results",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TestedBySessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Succeeded = table.Column<bool>(type: "INTEGER", nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Details = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sso_test_results", x => x.Id);
                    table.ForeignKey(
                        name: "FK_sso_test_results_organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_user_sessions_FederatedOrganizationId",
                table: "user_sessions",
                column: "FederatedOrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_saml_assertion_uses_ExpiresAt",
                table: "saml_assertion_uses",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_sso_domains_OrganizationId_Domain",
                table: "sso_domains",
                columns: new[] { "OrganizationId", "Domain" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sso_domains_verified_domain",
                table: "sso_domains",
                column: "Domain",
                unique: true,
                filter: "\"VerifiedAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_sso_signin_requests_ExpiresAt",
                table: "sso_signin_requests",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_sso_signin_requests_OrganizationId",
                table: "sso_signin_requests",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_sso_test_results_CreatedAt",
                table: "sso_test_results",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_sso_test_results_OrganizationId",
                table: "sso_test_results",
                column: "OrganizationId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "saml_assertion_uses");

            migrationBuilder.DropTable(
                name: "sso_connections");

            migrationBuilder.DropTable(
                name: "sso_domains");

            migrationBuilder.DropTable(
                name: "sso_signin_requests");

            migrationBuilder.DropTable(
                name: "sso_test_results");

            migrationBuilder.DropIndex(
                name: "IX_user_sessions_FederatedOrganizationId",
                table: "user_sessions");

            migrationBuilder.DropColumn(
                name: "FederatedOrganizationId",
                table: "user_sessions");
        }
    }
}

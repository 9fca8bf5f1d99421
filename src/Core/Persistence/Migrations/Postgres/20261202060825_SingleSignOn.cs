using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KeyPortal.Core.Persistence.Migrations.Postgres
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
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "saml_assertion_uses",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_saml_assertion_uses", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "sso_connections",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Protocol = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ClockSkewSeconds = table.Column<int>(type: "integer", nullable: false),
                    SamlIdentityProviderEntityId = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    SamlSingleSignOnUrl = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    SamlSigningCertificatesPem = table.Column<string>(type: "text", nullable: true),
                    SamlMetadataUrl = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    SamlMetadataValidUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SamlRequireSignedAssertions = table.Column<bool>(type: "boolean", nullable: false),
                    SamlAllowSha1 = table.Column<bool>(type: "boolean", nullable: false),
                    SamlAllowIdpInitiated = table.Column<bool>(type: "boolean", nullable: false),
                    SamlSignRequests = table.Column<bool>(type: "boolean", nullable: false),
                    SamlServiceProviderKeyProtected = table.Column<string>(type: "text", nullable: true),
                    OidcIssuer = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    OidcClientId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    OidcClientSecretProtected = table.Column<string>(type: "text", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Domain = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    VerificationToken = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    VerifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    VerifiedBy = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true)
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
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ProtocolRequestId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ConnectionVersion = table.Column<long>(type: "bigint", nullable: false),
                    BrowserBindingHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    ReturnUrl = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    IsTest = table.Column<bool>(type: "boolean", nullable: false),
                    TestedBySessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    TestedBySessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    Succeeded = table.Column<bool>(type: "boolean", nullable: false),
                    ReasonCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Details = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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

namespace KeyPortal.Core.ApiTokens;

/// <summary>
/// A secret a customer's system calls the delivery API with (SPEC API tokens). It acts for the
/// member who generated it, in the organization it was generated in, with that member's
/// permissions of the moment. Only a SHA-256 of the secret is stored; <see cref="PublicId"/> is
/// the part of the token that is no secret, shown in lists and used as the OAuth client id.
/// </summary>
public sealed class ApiToken
{
    public const int MaxNameLength = 100;

    private ApiToken()
    {
    }

    public Guid Id { get; private set; }

    /// <summary><c>kpat_</c> and 24 base32 characters: recognisable in a log or a repository, and unique.</summary>
    public string PublicId { get; private set; } = "";

    /// <summary>SHA-256 of the secret part (a 256-bit random value, so no slow hash is needed).</summary>
    public byte[] SecretHash { get; private set; } = [];

    public string Name { get; private set; } = "";

    public Guid UserId { get; private set; }

    public Guid OrganizationId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? LastUsedAt { get; private set; }

    /// <summary>The client address of the last call that used the token.</summary>
    public string? LastUsedFrom { get; private set; }

    internal static ApiToken Create(ApiTokenSecret secret, string name, Guid userId, Guid organizationId, DateTimeOffset now, DateTimeOffset expiresAt) => new()
    {
        Id = Guid.CreateVersion7(now),
        PublicId = secret.PublicId,
        SecretHash = secret.Hash,
        Name = name,
        UserId = userId,
        OrganizationId = organizationId,
        CreatedAt = now,
        ExpiresAt = expiresAt,
    };
}

namespace KeyPortal.Core.Delivery;

/// <summary>
/// The outcome of a creating call made with an <c>Idempotency-Key</c>: a retry with the same key
/// and the same request gets the same answer and creates nothing; the same key with another
/// request is refused. Stored in the creation's own transaction and keyed uniquely in the
/// database, so a retry that reaches another instance at the same moment creates nothing twice.
/// </summary>
public sealed class IdempotentRequest
{
    public const int MaxKeyLength = 200;

    /// <summary>Who made the call (a member or a token) and which operation: keys are theirs alone.</summary>
    public string Scope { get; set; } = "";

    public string Key { get; set; } = "";

    /// <summary>SHA-256 of the request's method, path and body.</summary>
    public byte[] RequestHash { get; set; } = [];

    public int StatusCode { get; set; }

    /// <summary>The response body (JSON) and where the created resource lives.</summary>
    public string ResponseBody { get; set; } = "";

    public string? Location { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

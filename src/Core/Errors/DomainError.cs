namespace KeyPortal.Core.Errors;

/// <summary>
/// A refusal by a product rule. <see cref="Code"/> is stable (clients and tests match on it);
/// <see cref="Message"/> is written for the person who caused it.
/// </summary>
public sealed record DomainError(string Code, string Message, DomainErrorKind Kind = DomainErrorKind.Invalid)
{
    /// <summary>
    /// Values a page needs to word the refusal itself (e.g. <c>minutesLeft</c>, <c>attemptsLeft</c>);
    /// written as problem-details extensions.
    /// </summary>
    public IReadOnlyDictionary<string, object>? Details { get; init; }
}

/// <summary>How a refusal maps to HTTP: 400/422 invalid, 404 not found, 409 conflict, 403 forbidden.</summary>
public enum DomainErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    Forbidden,
}

/// <summary>Thrown by domain services when a rule refuses an operation; nothing has been written.</summary>
public sealed class DomainException : Exception
{
    public DomainException(DomainError error)
        : base(error.Message) => Error = error;

    public DomainException()
        : this(new DomainError("error", "The operation was refused."))
    {
    }

    public DomainException(string message)
        : this(new DomainError("error", message))
    {
    }

    public DomainException(string message, Exception innerException)
        : base(message, innerException) => Error = new DomainError("error", message);

    public DomainError Error { get; }
}

using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.Invitations;

/// <summary>Lifetimes and limits of emailed links and codes. Section <c>Invitations</c>.</summary>
public sealed class InvitationOptions : IValidatableObject
{
    public const string SectionName = "Invitations";

    /// <summary>How long an activation link works. Default 7 days.</summary>
    public TimeSpan ActivationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an account-reset or password-reset link works. Default 24 hours.</summary>
    public TimeSpan ResetLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an emailed one-time code works. Default 10 minutes.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Wrong codes that lock the invitation. Default 3.</summary>
    public int MaxCodeAttempts { get; set; } = 3;

    /// <summary>How long a locked invitation refuses codes. Default 15 minutes.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ActivationLifetime <= TimeSpan.Zero || ResetLifetime <= TimeSpan.Zero || CodeLifetime <= TimeSpan.Zero || LockDuration <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Invitation lifetimes and the lock duration must be positive.");
        }

        if (MaxCodeAttempts is < 1 or > 10)
        {
            yield return new ValidationResult("Invitations:MaxCodeAttempts must be between 1 and 10.", [nameof(MaxCodeAttempts)]);
        }
    }
}

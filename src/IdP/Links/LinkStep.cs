namespace KeyPortal.IdP.Links;

/// <summary>Where the holder of a link stands.</summary>
public enum LinkStep
{
    /// <summary>The link cannot be used; only the refusal is shown.</summary>
    Refused,

    /// <summary>Ask for a one-time code by email.</summary>
    RequestCode,

    /// <summary>A code was emailed and is still valid: enter it (or ask for a new one).</summary>
    EnterCode,

    /// <summary>Too many wrong codes: nothing works until the lock ends.</summary>
    Locked,

    /// <summary>The code was confirmed: the step the link exists for (passkey, new activation email).</summary>
    CodeConfirmed,
}

using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.Mail;

/// <summary>How emails leave the product. Section <c>Mail</c>.</summary>
public sealed class MailOptions
{
    public const string SectionName = "Mail";

    /// <summary><c>Files</c> (default: .eml files in <see cref="Directory"/>) or <c>Smtp</c>.</summary>
    public MailDelivery Delivery { get; set; } = MailDelivery.Files;

    /// <summary>Sender address. Default: <c>Key Portal &lt;no-reply@localhost.localdomain&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "Key Portal <no-reply@localhost.localdomain>";

    /// <summary>Where <see cref="MailDelivery.Files"/> writes messages. Default: <c>data/mail</c>.</summary>
    [Required]
    public string Directory { get; set; } = "data/mail";

    public SmtpOptions Smtp { get; set; } = new();
}

public enum MailDelivery
{
    Files,
    Smtp,
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>Auto</c>, or <c>None</c> (test servers only).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Optional; when set, the sender authenticates with <see cref="Password"/>.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Seconds to wait for the server. Default 30.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

public enum SmtpSecurity
{
    None,
    Auto,
    StartTls,
    SslOnConnect,
}

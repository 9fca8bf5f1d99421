using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>
    /// The outbox (<see cref="IEmailSender"/>) and its sender over the configured transport. The
    /// host provides <see cref="MailOutboxPayloads"/> (its shared data protection) and decides
    /// whether to run <see cref="MailOutboxService"/> (<see cref="AddMailOutboxService"/>).
    /// </summary>
    public static IServiceCollection AddPortalMail(this IServiceCollection services)
    {
        services.AddOptions<MailOptions>()
            .BindConfiguration(MailOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Mail:From is not a valid address.")
            .Validate(o => o.Outbox.Lease > (TimeSpan.FromSeconds(o.Smtp.TimeoutSeconds) * 2) + MailOutboxSender.LeaseMargin,
                "Mail:Outbox:Lease must be more than twice Mail:Smtp:TimeoutSeconds and 5 seconds: a claimed message must be delivered well within its lease.")
            .Validate(o => o.Outbox.PollInterval > TimeSpan.Zero && o.Outbox.BatchSize > 0 && o.Outbox.FirstRetryDelay > TimeSpan.Zero
                    && o.Outbox.MaxRetryDelay >= o.Outbox.FirstRetryDelay,
                "Mail:Outbox needs a positive PollInterval, BatchSize and FirstRetryDelay, and MaxRetryDelay at least FirstRetryDelay.")
            // Files hold live link tokens and codes on the server's disk: a developer's tool only.
            // (Tools and tests that build services without a host have no environment to ask.)
            .Validate<IServiceProvider>(
                (o, services) => o.Delivery != MailDelivery.Files || services.GetService<IHostEnvironment>() is not { } environment || environment.IsDevelopment(),
                "Mail:Delivery is Files, which is for Development only. Set Mail:Delivery to Smtp and configure Mail:Smtp.")
            .ValidateOnStart();
        services.TryAddSingleton<SmtpEmailSender>();
        services.TryAddSingleton<FileEmailSender>();
        services.TryAddSingleton<IMailTransport>(provider =>
            provider.GetRequiredService<IOptions<MailOptions>>().Value.Delivery == MailDelivery.Smtp
                ? provider.GetRequiredService<SmtpEmailSender>()
                : provider.GetRequiredService<FileEmailSender>());
        services.TryAddSingleton<MailOutboxSignal>();
        services.TryAddSingleton<MailOutboxSender>();
        services.TryAddScoped<IEmailSender, MailOutbox>();
        return services;
    }

    /// <summary>Runs the outbox's sender in this process unless <c>Mail:Outbox:Send</c> is false.</summary>
    public static IServiceCollection AddMailOutboxService(this IServiceCollection services, bool send)
    {
        if (send)
        {
            services.AddHostedService<MailOutboxService>();
        }

        return services;
    }
}

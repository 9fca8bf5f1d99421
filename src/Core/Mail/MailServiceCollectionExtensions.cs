using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

public static class MailServiceCollectionExtensions
{
    public static IServiceCollection AddPortalMail(this IServiceCollection services)
    {
        services.AddOptions<MailOptions>()
            .BindConfiguration(MailOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Mail:From is not a valid address.")
            // Files hold live link tokens and codes on the server's disk: a developer's tool only.
            // (Tools and tests that build services without a host have no environment to ask.)
            .Validate<IServiceProvider>(
                (o, services) => o.Delivery != MailDelivery.Files || services.GetService<IHostEnvironment>() is not { } environment || environment.IsDevelopment(),
                "Mail:Delivery is Files, which is for Development only. Set Mail:Delivery to Smtp and configure Mail:Smtp.")
            .ValidateOnStart();
        services.TryAddSingleton<SmtpEmailSender>();
        services.TryAddSingleton<FileEmailSender>();
        services.TryAddSingleton<IEmailSender>(provider =>
            provider.GetRequiredService<IOptions<MailOptions>>().Value.Delivery == MailDelivery.Smtp
                ? provider.GetRequiredService<SmtpEmailSender>()
                : provider.GetRequiredService<FileEmailSender>());
        return services;
    }
}

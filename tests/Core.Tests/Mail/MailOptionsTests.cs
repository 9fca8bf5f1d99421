using KeyPortal.Core.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.Mail;

public sealed class MailOptionsTests
{
    [Theory]
    [InlineData("00:00:16", "5")]
    [InlineData("00:05:00", "30")]
    public void A_lease_that_outlasts_two_server_timeouts_and_the_margin_is_accepted(string lease, string timeoutSeconds)
    {
        using var provider = Build(lease, timeoutSeconds);

        Assert.Equal(TimeSpan.Parse(lease, System.Globalization.CultureInfo.InvariantCulture),
            provider.GetRequiredService<IOptions<MailOptions>>().Value.Outbox.Lease);
    }

    [Theory]
    [InlineData("00:00:15", "5")]
    [InlineData("00:00:03", "1")] // more than two timeouts, but a delivery would have no time left within its claim
    [InlineData("00:01:00", "30")]
    public void A_lease_a_delivery_could_outlast_is_refused_at_start(string lease, string timeoutSeconds)
    {
        using var provider = Build(lease, timeoutSeconds);

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MailOptions>>().Value);
        Assert.Contains("Mail:Outbox:Lease", refused.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(string lease, string timeoutSeconds)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mail:Outbox:Lease"] = lease,
            ["Mail:Smtp:TimeoutSeconds"] = timeoutSeconds,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPortalMail();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}

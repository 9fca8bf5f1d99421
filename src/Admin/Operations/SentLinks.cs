using System.Collections.Concurrent;
using KeyPortal.Core.Mail;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Operations;

/// <summary>
/// The action links of the emails a command sent, so that the operator at the terminal can hand a
/// link on themselves (mail not set up yet, or the person cannot receive it). The emails still go
/// out as always: the command only also tells the operator what they said.
/// </summary>
public sealed class SentLinks
{
    private readonly ConcurrentQueue<EmailMessage> _messages = new();

    /// <summary>The first link of the newest message to <paramref name="address"/> that had one, or null.</summary>
    public Uri? NewestTo(string address) =>
        _messages.ToArray().LastOrDefault(m => m.Links.Count > 0 && string.Equals(m.To, address, StringComparison.OrdinalIgnoreCase))?.Links[0];

    internal void Add(EmailMessage message) => _messages.Enqueue(message);

    /// <summary>Wraps the installation's <see cref="IEmailSender"/> (whichever delivery it is) so every message is also recorded.</summary>
    internal static void RecordEverySentMessage(IServiceCollection services)
    {
        var sender = services.LastOrDefault(d => d.ServiceType == typeof(IEmailSender))
            ?? throw new InvalidOperationException("No email sender is registered.");
        services.Remove(sender);
        services.AddSingleton<SentLinks>();
        services.AddScoped<IEmailSender>(provider =>
            new RecordingSender(Resolve(sender, provider), provider.GetRequiredService<SentLinks>()));
    }

    private static IEmailSender Resolve(ServiceDescriptor descriptor, IServiceProvider provider) =>
        (IEmailSender)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));

    private sealed class RecordingSender(IEmailSender inner, SentLinks links) : IEmailSender
    {
        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            links.Add(message);
            return inner.SendAsync(message, cancellationToken);
        }
    }
}

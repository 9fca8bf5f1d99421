using KeyPortal.Core.SingleSignOn;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Hosting;

/// <summary>
/// Data protection one app writes and another reads. Each app protects its own cookies and
/// link states under its application name, so the Portal cannot read the IdP's cookies. Single
/// sign-on secrets are written by the Portal's settings page and read by the IdP's federation
/// handlers: they use a protector under one purpose shared by the installation, from the same
/// key ring in the database. The app's own provider stays exactly what
/// <c>SetApplicationName</c> makes (the root protector with the application name as its first
/// purpose), so nothing protected before changes meaning.
/// </summary>
public static class SharedDataProtection
{
    public const string RootKey = "KeyPortal.DataProtection.Root";
    public const string SharedPurpose = "KeyPortal.Shared";

    /// <summary>Call after <c>AddDataProtection()</c> has been configured.</summary>
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var descriptor = services.LastOrDefault(d => d.ServiceType == typeof(IDataProtectionProvider) && !d.IsKeyedService);
        if (descriptor?.ImplementationFactory is not { } factory)
        {
            throw new InvalidOperationException("AddDataProtection() must register the data protection provider with a factory before the shared provider is added.");
        }

        services.Remove(descriptor);
        // The framework's own factory, asked as if no application name were set: the key ring's root provider.
        services.AddKeyedSingleton<IDataProtectionProvider>(RootKey, (provider, _) => (IDataProtectionProvider)factory(new WithoutApplicationName(provider)));
        services.AddSingleton(provider =>
        {
            var root = provider.GetRequiredKeyedService<IDataProtectionProvider>(RootKey);
            var name = provider.GetRequiredService<IOptions<DataProtectionOptions>>().Value.ApplicationDiscriminator;
            return string.IsNullOrEmpty(name) ? root : (IDataProtectionProvider)root.CreateProtector(name);
        });
        services.AddSingleton(provider => new SsoSecrets(
            provider.GetRequiredKeyedService<IDataProtectionProvider>(RootKey).CreateProtector(SharedPurpose, SsoSecrets.Purpose)));
        // Any app queues mail and any instance's sender delivers it.
        services.AddSingleton(provider => new Core.Mail.MailOutboxPayloads(
            provider.GetRequiredKeyedService<IDataProtectionProvider>(RootKey).CreateProtector(SharedPurpose, Core.Mail.MailOutboxPayloads.Purpose)));
        return services;
    }

    private sealed class WithoutApplicationName(IServiceProvider inner) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IOptions<DataProtectionOptions>)
            ? Options.Create(new DataProtectionOptions { ApplicationDiscriminator = null })
            : inner.GetService(serviceType);
    }
}

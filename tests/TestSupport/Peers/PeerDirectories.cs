namespace KeyPortal.TestSupport.Peers;

/// <summary>Where a peer's files come from (the repository) and where its run-time files go (a fresh temp folder).</summary>
internal static class PeerDirectories
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository's root folder: the one holding Portal.sln, above the test assembly.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>tests/peers in the repository: the peers' scripts and npm packages.</summary>
    public static string Scripts => Path.Combine(RepositoryRoot, "tests", "peers");

    /// <summary>A new, empty folder for one peer's configuration, deleted when the peer stops.</summary>
    public static string NewWorkDirectory(string peer)
    {
        var directory = Path.Combine(Path.GetTempPath(), "keyportal-tests", "peers", $"{peer}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Where one run of a peer writes what it prints. Kept after the peer stops (outside its work
    /// folder), so that a failed test can still be explained from it.
    /// </summary>
    public static string NewLogPath(string peer)
    {
        var directory = Path.Combine(Path.GetTempPath(), "keyportal-tests", "peers", "logs");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{peer}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}.log");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Portal.sln.");
    }
}

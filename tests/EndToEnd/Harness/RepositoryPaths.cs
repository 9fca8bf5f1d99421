namespace KeyPortal.EndToEnd.Harness;

/// <summary>Where the repository, the built apps and the artifacts are, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Portal.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built in (Debug, Release), read from the output path.</summary>
    public static string Configuration { get; } = FindConfiguration();

    /// <summary><c>tests/EndToEnd/artifacts</c>: screenshots per test and app logs (git-ignored).</summary>
    public static string Artifacts { get; } = Path.Combine(Root, "tests", "EndToEnd", "artifacts");

    /// <summary>The project folder of an app ("IdP", "Portal", "Admin"): its working directory, where its appsettings are.</summary>
    public static string ProjectDirectory(string app) => Path.Combine(Root, "src", app);

    /// <summary>The app's built entry assembly, as <c>dotnet test</c> built it with the solution.</summary>
    public static string AppDll(string app) =>
        Path.Combine(ProjectDirectory(app), "bin", Configuration, "net10.0", $"KeyPortal.{app}.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Portal.sln not found above {AppContext.BaseDirectory}.");
    }

    private static string FindConfiguration()
    {
        // .../tests/EndToEnd/bin/<Configuration>/net10.0/
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return framework.Parent?.Name ?? "Debug";
    }
}

global using System.Security.Cryptography;
global using System.Security.Cryptography.X509Certificates;
global using System.Xml;
global using KeyPortal.Saml2;
global using Microsoft.Extensions.Time.Testing;

global using KeyPortal.Core;
global using KeyPortal.Core.Auditing;
global using KeyPortal.Core.Errors;
global using KeyPortal.Core.Persistence;
global using KeyPortal.Core.Sessions;
global using KeyPortal.Core.Users;
global using Microsoft.EntityFrameworkCore;

; KIK Desktop – Inno Setup script (Inno Setup 6.3 or newer), a per-user installation without admin rights.
;
; First build the bundle (dist\KIK-Desktop\, see README "Installer bauen"), then, in the repository folder:
;     iscc installer\kik_desktop.iss
; The setup program lands in dist\installer\KIK-Desktop-<version>-Setup.exe. The version is read from the
; version resource of dist\KIK-Desktop\KIK.exe (made by build_installer.spec from kik_desktop.__version__).
;
; - installs to %LOCALAPPDATA%\Programs\KIK Desktop (no admin rights, no UAC prompt);
; - Start menu entry, desktop icon on request;
; - .kik documents open with KIK Desktop on double-click (HKCU\Software\Classes);
; - German wizard;
; - the uninstaller removes the program folder only: the documents, backups, logs and settings in
;   %LOCALAPPDATA%\KIK-Desktop (and any .kik file elsewhere) are never touched.

#if Ver < EncodeVer(6, 3, 0)
  #error "KIK Desktop needs Inno Setup 6.3 or newer."
#endif

#define AppName "KIK Desktop"
#define AppPublisher "Stadt Kempten (Allgäu)"
#define AppExeName "KIK.exe"
#define CliExeName "kik-desktop-cli.exe"
#define ProgId "KIKDesktop.Dokument"
#define BundleDir AddBackslash(SourcePath) + "..\dist\KIK-Desktop"

#if !FileExists(BundleDir + "\" + AppExeName)
  #error "dist\KIK-Desktop\KIK.exe is missing: build it first (python scripts\build_frozen.py)."
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(BundleDir + "\" + AppExeName, "ProductVersion")
#endif
#define AppVersionNumbers GetVersionNumbersString(BundleDir + "\" + AppExeName)

[Setup]
; The AppId identifies the installation for updates and uninstall; never change it.
AppId={{6BF98B98-9E20-42C4-B551-D21CFCA62700}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=© {#AppPublisher}
VersionInfoVersion={#AppVersionNumbers}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} – Einrichtung
; Per user, never elevated: no admin rights on the municipal workstations.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\resources\icons\kik.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
ShowLanguageDialog=no
OutputDir=..\dist\installer
OutputBaseFilename=KIK-Desktop-{#AppVersion}-Setup
Compression=lzma2/max
SolidCompression=yes

[Languages]
Name: "german"; MessagesFile: "compiler:Languages\German.isl"

[CustomMessages]
german.KikDocument=KIK-Dokument
german.DataKept=Ihre Dokumente, Sicherungen und Einstellungen in%n%1%nbleiben erhalten.
german.DirIsDataDir=In diesen Ordner kann KIK Desktop nicht installiert werden, weil dort Ihre Dokumente und Sicherungen liegen (%1). Bitte wählen Sie einen anderen Ordner.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An update replaces the bundle as a whole: no library of an older version may stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Das Kommunale Integrationskonzept Kempten pflegen"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Registry]
; The .kik document type, for this user only (HKA = HKCU in a non-administrative installation).
Root: HKA; Subkey: "Software\Classes\.kik"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.kik\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "{cm:KikDocument}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"",0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}\SupportedTypes"; ValueType: string; ValueName: ".kik"; ValueData: ""

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; %LOCALAPPDATA%\KIK-Desktop (documents, Sicherungen, Protokolle) is not named here.
Type: filesandordirs; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"

[Code]
function DataDir: String;
begin
  Result := ExpandConstant('{localappdata}\KIK-Desktop');
end;

function IsInside(const Inner, Outer: String): Boolean;
begin
  Result := Pos(Lowercase(AddBackslash(Outer)), Lowercase(AddBackslash(Inner))) = 1;
end;

{ The program folder must neither be the data folder nor contain it, so that nothing done to the
  program folder (update, uninstall) can reach the user's documents. }
function NextButtonClick(CurPageID: Integer): Boolean;
begin
  Result := True;
  if (CurPageID = wpSelectDir) and
     (IsInside(WizardDirValue, DataDir) or IsInside(DataDir, WizardDirValue)) then
  begin
    MsgBox(FmtMessage(CustomMessage('DirIsDataDir'), [DataDir]), mbError, MB_OK);
    Result := False;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent and DirExists(DataDir) then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [DataDir]), mbInformation, MB_OK);
end;
